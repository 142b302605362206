#include <gtest/gtest.h>

#include "common/exit_codes.h"
#include "pg/error.h"

namespace hk::pg {
namespace {

TEST(Classify, Sqlstates) {
  EXPECT_EQ(ClassifySqlstate("08006"), ErrorKind::kConnection);
  EXPECT_EQ(ClassifySqlstate("57P01"), ErrorKind::kConnection);
  EXPECT_EQ(ClassifySqlstate("40001"), ErrorKind::kRetryable);
  EXPECT_EQ(ClassifySqlstate("40P01"), ErrorKind::kRetryable);
  EXPECT_EQ(ClassifySqlstate("53300"), ErrorKind::kRetryable);
  EXPECT_EQ(ClassifySqlstate("28P01"), ErrorKind::kPermission);
  EXPECT_EQ(ClassifySqlstate("42501"), ErrorKind::kPermission);
  EXPECT_EQ(ClassifySqlstate("23505"), ErrorKind::kDataError);
  EXPECT_EQ(ClassifySqlstate("22P02"), ErrorKind::kDataError);
  EXPECT_EQ(ClassifySqlstate("42P01"), ErrorKind::kBadInput);
  EXPECT_EQ(ClassifySqlstate("3D000"), ErrorKind::kBadInput);
  EXPECT_EQ(ClassifySqlstate("XX000"), ErrorKind::kInternal);
  EXPECT_EQ(ClassifySqlstate(""), ErrorKind::kInternal);
}

TEST(Classify, ConnectMessages) {
  const std::string t = "postgresql://u@h:5432/d";
  auto e = ClassifyConnectMessage(
      "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password authentication failed for user \"u\"\n", t);
  EXPECT_EQ(e.kind, ErrorKind::kPermission);
  EXPECT_EQ(ExitCodeFor(e), kExitAuth);
  EXPECT_NE(e.message.find("authentication failed"), std::string::npos);

  e = ClassifyConnectMessage(
      "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n", t);
  EXPECT_EQ(e.kind, ErrorKind::kConnection);
  EXPECT_EQ(ExitCodeFor(e), kExitUnreachable);

  e = ClassifyConnectMessage("connection to server at \"h\" failed: FATAL:  database \"nope\" does not exist\n", t);
  EXPECT_EQ(ExitCodeFor(e), kExitNoDatabase);

  e = ClassifyConnectMessage("could not translate host name \"nohost\" to address: Name or service not known\n", t);
  EXPECT_EQ(ExitCodeFor(e), kExitUnreachable);

  e = ClassifyConnectMessage("connection to server failed: FATAL:  role \"x\" does not exist", t);
  EXPECT_EQ(ExitCodeFor(e), kExitAuth);

  e = ClassifyConnectMessage("connection to server failed: FATAL:  sorry, too many clients already", t);
  EXPECT_EQ(e.kind, ErrorKind::kRetryable);
}

TEST(Classify, ExitCodesMidRun) {
  Error e;
  e.kind = ErrorKind::kConnection;
  EXPECT_EQ(ExitCodeFor(e), kExitConnectionLost);
  e.kind = ErrorKind::kDataError;
  EXPECT_EQ(ExitCodeFor(e), kExitDbError);
  e.kind = ErrorKind::kInterrupted;
  EXPECT_EQ(ExitCodeFor(e), kExitInterrupted);
}

// A blocker is a kind, not a SQLSTATE stand-in: exit 2 whatever command
// (clone, follow, clone --follow, verify) raised it (#14).
TEST(Classify, BlockedIsExitTwoEverywhere) {
  Error e = BlockedError("x", "y");
  EXPECT_EQ(e.kind, ErrorKind::kBlocked);
  EXPECT_TRUE(e.sqlstate.empty());
  EXPECT_EQ(ExitCodeFor(e), kExitBlocked);
  EXPECT_STREQ(ErrorKindName(e.kind), "blocked");
  EXPECT_EQ(ExitCodeFor(MakeError(ErrorKind::kBadInput, "x")), kExitUsage);
}

}  // namespace
}  // namespace hk::pg
