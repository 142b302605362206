// Which failures are retried, and the backoff between retries (#14).
#include "common/retry.h"

#include <gtest/gtest.h>

#include "pg/error.h"

namespace hk {
namespace {

Error WithState(const std::string& st) {
  Error e;
  e.sqlstate = st;
  e.kind = pg::ClassifySqlstate(st);
  return e;
}

TEST(Retry, OutagesAreTransient) {
  for (const char* st : {"08006", "08003", "57P01", "57P02", "57P03", "40001", "40P01", "53300"})
    EXPECT_TRUE(IsTransient(WithState(st))) << st;
  Error lost = MakeError(ErrorKind::kConnection, "the connection to the server was lost");
  EXPECT_TRUE(IsTransient(lost));
}

TEST(Retry, PermanentFailuresAreNot) {
  // A statement timeout, a lock timeout, a full disk, out of memory, a
  // missing privilege, a refused row, bad SQL: retrying repeats them.
  for (const char* st : {"57014", "55P03", "53100", "53200", "42501", "23505", "22P02", "42P01",
                         "3D000", "28P01", "XX000"})
    EXPECT_FALSE(IsTransient(WithState(st))) << st;
  EXPECT_FALSE(IsTransient(MakeError(ErrorKind::kInternal, "pg_dump failed")));
  EXPECT_FALSE(IsTransient(MakeError(ErrorKind::kRetryable, "the table was rewritten")));
}

TEST(Retry, BackoffDoublesIsCappedAndJittered) {
  using std::chrono::milliseconds;
  EXPECT_EQ(BackoffDelay(1, 1.0), milliseconds(500));
  EXPECT_EQ(BackoffDelay(1, 0.0), milliseconds(250));
  EXPECT_EQ(BackoffDelay(2, 1.0), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(4, 1.0), milliseconds(4000));
  EXPECT_EQ(BackoffDelay(30, 1.0), milliseconds(30000));
  EXPECT_EQ(BackoffDelay(30, 0.0), milliseconds(15000));
  EXPECT_GE(BackoffDelay(3, 0.5), milliseconds(1000));
  EXPECT_LE(BackoffDelay(3, 0.5), milliseconds(2000));
}

TEST(Retry, BudgetRefusesFirstConnectAndPermanentErrorsAndZero) {
  RetryBudget b(60000, nullptr, "test");
  Error refused = MakeError(ErrorKind::kConnection, "cannot reach the server");
  refused.during_connect = true;
  EXPECT_FALSE(b.Wait(refused, /*connected_before=*/false));  // the user's typo, not an outage
  Error timeout = WithState("57014");
  EXPECT_FALSE(b.Wait(timeout, true));
  RetryBudget off(0, nullptr, "test");
  Error lost = MakeError(ErrorKind::kConnection, "lost");
  EXPECT_FALSE(off.Wait(lost, true));
  EXPECT_EQ(b.retries(), 0);
}

TEST(Retry, BudgetRetriesThenGivesUpWithTheCause) {
  RetryBudget b(300, nullptr, "test");  // 0.3 s: one short wait, then spent
  Error lost = MakeError(ErrorKind::kConnection, "lost");
  EXPECT_TRUE(b.Wait(lost, true));
  Error again = MakeError(ErrorKind::kConnection, "lost");
  bool retried = b.Wait(again, true);
  if (retried) retried = b.Wait(again, true);
  EXPECT_FALSE(retried);
  EXPECT_NE(again.message.find("gave up after retrying"), std::string::npos) << again.message;
  EXPECT_GE(b.retries(), 1);
}

TEST(Retry, StopFlagEndsTheWait) {
  std::atomic<bool> stop{true};
  RetryBudget b(60000, &stop, "test");
  Error lost = MakeError(ErrorKind::kConnection, "lost");
  EXPECT_FALSE(b.Wait(lost, true));
}

}  // namespace
}  // namespace hk
