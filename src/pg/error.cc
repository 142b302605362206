#include "pg/error.h"

#include <fmt/format.h>

#include "common/secrets.h"

namespace hk::pg {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

bool Has(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

// libpq prefixes connection errors with "connection to server at ... failed: ";
// keep only the last, most specific line.
std::string LastReason(std::string_view msg) {
  // Drop libpq's indented hint lines ("\tIs the server running ...?") and keep
  // the last real line, minus its "connection to server ... failed: " prefix.
  std::string s;
  size_t start = 0;
  std::string text(msg);
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line[0] != '\t' && Trim(line) != "") s = line;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  size_t f = s.rfind("failed: ");
  if (f != std::string::npos) s = s.substr(f + 8);
  if (s.rfind("FATAL:  ", 0) == 0) s = s.substr(8);
  return Trim(s);
}

}  // namespace

ErrorKind ClassifySqlstate(std::string_view st) {
  if (st.size() != 5) return ErrorKind::kInternal;
  std::string_view cls = st.substr(0, 2);
  if (cls == "08") return ErrorKind::kConnection;
  if (st == "57P01" || st == "57P02" || st == "57P03") return ErrorKind::kConnection;  // shutdown
  if (st == "40001" || st == "40P01" || st == "53300" || st == "55P03" || st == "57014")
    return ErrorKind::kRetryable;
  if (cls == "53") return ErrorKind::kRetryable;  // insufficient resources
  if (cls == "28" || st == "42501") return ErrorKind::kPermission;
  if (cls == "22" || cls == "23") return ErrorKind::kDataError;
  if (cls == "42" || cls == "3D" || cls == "3F" || cls == "0A" || cls == "55" || st == "22023")
    return ErrorKind::kBadInput;
  return ErrorKind::kInternal;
}

Error ErrorFromResult(const PGresult* res, const PGconn* conn) {
  Error e;
  const char* st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (st) e.sqlstate = st;
  std::string primary;
  if (res) {
    if (const char* m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) primary = m;
    if (const char* h = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT)) e.hint = Scrub(h);
    if (const char* d = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) {
      primary += std::string(" (") + d + ")";
    }
  }
  if (primary.empty() && conn) primary = LastReason(PQerrorMessage(conn));
  if (primary.empty()) primary = "unknown error";
  e.message = Scrub(Trim(primary));
  if (conn && PQstatus(conn) == CONNECTION_BAD) {
    e.kind = ErrorKind::kConnection;
    if (e.message == "unknown error" || e.sqlstate.empty())
      e.message = "the connection to the server was lost (" + e.message + ")";
  } else if (!e.sqlstate.empty()) {
    e.kind = ClassifySqlstate(e.sqlstate);
  } else {
    e.kind = ErrorKind::kInternal;
  }
  if (e.sqlstate == "53100") {  // disk_full: not transient, but curable by the operator
    e.message = "the server ran out of disk space: " + e.message;
    // Replaces the server's generic "Check free disk space."
    e.hint = "free space on that server (or grow its volume), then rerun; clone keeps what it "
               "copied (rerun with --resume)";
  }
  return e;
}

Error ClassifyConnectMessage(std::string_view libpq_message, const std::string& target) {
  std::string reason = Scrub(LastReason(libpq_message));
  std::string full(libpq_message);
  Error e;
  e.during_connect = true;
  e.kind = ErrorKind::kConnection;
  if (Has(full, "password authentication failed") || Has(full, "no password supplied") ||
      Has(full, "password is too long") || Has(full, "SCRAM") ||
      Has(full, "authentication failed")) {
    e.kind = ErrorKind::kPermission;
    e.sqlstate = "28P01";
    e.message = fmt::format("authentication failed at {}: {}", target, reason);
    e.hint = "check the user name and password (in the URL, PGPASSWORD or ~/.pgpass)";
  } else if (Has(full, "role \"") && Has(full, "does not exist")) {
    e.kind = ErrorKind::kPermission;
    e.sqlstate = "28000";
    e.message = fmt::format("cannot log in at {}: {}", target, reason);
    e.hint = "create the role on that server or use an existing user name";
  } else if (Has(full, "pg_hba.conf")) {
    e.kind = ErrorKind::kPermission;
    e.sqlstate = "28000";
    e.message = fmt::format("the server at {} refuses this client: {}", target, reason);
    e.hint = "allow this host/user/database in the server's pg_hba.conf (or the provider's network settings)";
  } else if (Has(full, "database \"") && Has(full, "does not exist")) {
    e.kind = ErrorKind::kBadInput;
    e.sqlstate = "3D000";
    e.message = fmt::format("cannot connect to {}: {}", target, reason);
    e.hint = "create the database first (CREATE DATABASE) or fix the database name in the URL";
  } else if (Has(full, "permission denied for database") || Has(full, "not permitted to log in")) {
    e.kind = ErrorKind::kPermission;
    e.sqlstate = "42501";
    e.message = fmt::format("cannot connect to {}: {}", target, reason);
    e.hint = "grant CONNECT on the database / LOGIN to the role";
  } else if (Has(full, "too many connections") || Has(full, "too many clients") || Has(full, "remaining connection slots")) {
    e.kind = ErrorKind::kRetryable;
    e.sqlstate = "53300";
    e.message = fmt::format("the server at {} has no free connection slots: {}", target, reason);
    e.hint = "raise max_connections or lower --jobs";
  } else if (Has(full, "the database system is starting up") ||
             Has(full, "the database system is shutting down")) {
    e.kind = ErrorKind::kConnection;
    e.sqlstate = "57P03";
    e.message = fmt::format("the server at {} is not accepting connections: {}", target, reason);
    e.hint = "wait for the server to finish starting and try again";
  } else if (Has(full, "could not translate host name") || Has(full, "Name or service not known")) {
    e.message = fmt::format("cannot resolve the host of {}: {}", target, reason);
    e.hint = "check the host name in the URL";
  } else if (Has(full, "invalid ") && Has(full, " value: \"")) {
    // libpq checks option values (sslmode=bogus) only when connecting.
    e.kind = ErrorKind::kBadInput;
    e.message =
        fmt::format("the connection string of {} has an invalid setting: {}", target, reason);
    e.hint = "see the libpq connection parameters for the values each setting accepts";
  } else if (Has(full, "certificate") || Has(full, "SSL") || Has(full, "ssl") || Has(full, "TLS")) {
    // TLS: the server could not prove who it is (or we could not). One exit
    // code for all of it: 5, like a failed password (docs/errors.md).
    e.kind = ErrorKind::kPermission;
    if (Has(full, "certificate")) {
      e.message = fmt::format("the TLS certificate of the server at {} was not accepted: {}",
                              target, reason);
      e.hint =
          "check sslrootcert (the CA that signed the server's certificate) and that the host "
          "name in the URL is one the certificate names";
    } else {
      e.message = fmt::format("TLS negotiation with {} failed: {}", target, reason);
      e.hint = "check sslmode (e.g. sslmode=require for hosted servers) and the TLS settings";
    }
  } else {
    e.message = fmt::format("cannot reach the server at {}: {}", target, reason);
    e.hint = "check the host and port, that the server is running and that the network allows it";
  }
  return e;
}

Error ErrorFromConnect(const PGconn* conn, const std::string& target) {
  std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
  return ClassifyConnectMessage(msg, target);
}

ExitCode ExitCodeFor(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kConnection: return e.during_connect ? kExitUnreachable : kExitConnectionLost;
    case ErrorKind::kRetryable: return e.during_connect ? kExitUnreachable : kExitDbError;
    case ErrorKind::kPermission: return kExitAuth;
    case ErrorKind::kBadInput:
      if (e.sqlstate == "3D000") return kExitNoDatabase;
      return e.sqlstate.empty() ? kExitUsage : kExitDbError;
    case ErrorKind::kDataError: return kExitDbError;
    case ErrorKind::kInterrupted: return kExitInterrupted;
    // Exit 2 in every command, also in --json's exit_code (#14).
    case ErrorKind::kBlocked: return kExitBlocked;
    case ErrorKind::kInternal: return kExitInternal;
  }
  return kExitInternal;
}

std::string Describe(const Error& e) {
  std::string s = e.message;
  if (!e.hint.empty()) s += " — fix: " + e.hint;
  return Scrub(s);
}

}  // namespace hk::pg
