#include "clone/session.h"

#include <chrono>
#include <thread>

#include "pg/quote.h"

namespace hk::clone {
namespace {

std::string CommonSettings(const std::string& encoding) {
  return "SET client_encoding = " + pg::QuoteLiteral(encoding) +
         "; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';"
         " SET extra_float_digits = 3; SET bytea_output = 'hex'; SET statement_timeout = 0;"
         " SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0;"
         " SET client_min_messages = warning;";
}

}  // namespace

Result<pg::Connection> OpenSource(const pg::ConnInfo& ci, const std::string& encoding,
                                  const std::string& app) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(ci, {.application_name = app}));
  // search_path = pg_catalog, as pg_dump does: every definition read here
  // and replayed on the target (pg_get_indexdef, ...) comes out with its
  // names schema-qualified, whatever search_path the source database sets.
  HK_RETURN_IF_ERROR(
      c.Run(CommonSettings(encoding) + " SET row_security = off; SET search_path = pg_catalog;"));
  return c;
}

Result<pg::Connection> OpenTarget(const pg::ConnInfo& ci, const std::string& encoding,
                                  const std::string& app) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(ci, {.application_name = app}));
  // synchronous_commit = on: the state file records a table as copied right
  // after its COMMIT; a target that commits asynchronously and then crashes
  // (restart -m immediate, a power loss) would lose a copy recorded as done.
  HK_RETURN_IF_ERROR(c.Run(CommonSettings(encoding) +
                           " SET maintenance_work_mem = '256MB'; SET synchronous_commit = on;"));
  return c;
}

Result<int> EndOrphanedSessions(pg::Connection& target) {
  const char* kOrphans =
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
      " AND pid <> pg_backend_pid() AND application_name LIKE 'hikkoshi clone%'";
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, target.Exec(kOrphans));
  int n = r.rows();
  for (int i = 0; i < n; ++i) {
    // Without the right to signal them (another role), wait for them below.
    (void)target.Run("SELECT pg_terminate_backend($1::int)", {r.Str(i, 0)});
  }
  for (int waited_ms = 0; n > 0; waited_ms += 100) {
    HK_ASSIGN_OR_RETURN(pg::QueryResult left, target.Exec(kOrphans));
    if (left.rows() == 0) break;
    if (waited_ms >= 120000)
      return MakeError(ErrorKind::kRetryable,
                       std::to_string(left.rows()) +
                           " sessions of an earlier clone are still running on the target",
                       "end them (pg_terminate_backend, as their owner or a superuser) and rerun");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return n;
}

Result<std::string> OverriddenTimeouts(pg::Connection& c) {
  // reset_val: the value before our SETs, database and role settings included.
  return c.QueryValue(
      "SELECT coalesce(string_agg(name || '=' || reset_val || coalesce(unit, ''), ', ' ORDER BY "
      "name),"
      " '') FROM pg_catalog.pg_settings WHERE name IN ('statement_timeout', 'lock_timeout',"
      " 'idle_in_transaction_session_timeout', 'idle_session_timeout') AND reset_val <> '0'");
}

Status BeginAtSnapshot(pg::Connection& src, const std::string& snapshot) {
  HK_RETURN_IF_ERROR(src.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  Status s = src.Run("SET TRANSACTION SNAPSHOT " + pg::QuoteLiteral(snapshot));
  if (!s.ok()) {
    (void)src.Run("ROLLBACK");
    Error e = s.error();
    e.message = "cannot import the snapshot " + snapshot + ": " + e.message;
    // Only a live session that cannot import it says the exporter is gone;
    // a lost connection is an outage (retried, else --resume).
    if (e.kind != ErrorKind::kConnection)
      e.hint =
          "the transaction or replication connection that exported it must stay open for the "
          "whole clone";
    return e;
  }
  return Status::Ok();
}

}  // namespace hk::clone
