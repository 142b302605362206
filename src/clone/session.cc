#include "clone/session.h"

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
  HK_RETURN_IF_ERROR(c.Run(CommonSettings(encoding) + " SET row_security = off;"));
  return c;
}

Result<pg::Connection> OpenTarget(const pg::ConnInfo& ci, const std::string& encoding,
                                  const std::string& app) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(ci, {.application_name = app}));
  HK_RETURN_IF_ERROR(c.Run(CommonSettings(encoding) + " SET maintenance_work_mem = '256MB';"));
  return c;
}

Status BeginAtSnapshot(pg::Connection& src, const std::string& snapshot) {
  HK_RETURN_IF_ERROR(src.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  Status s = src.Run("SET TRANSACTION SNAPSHOT " + pg::QuoteLiteral(snapshot));
  if (!s.ok()) {
    (void)src.Run("ROLLBACK");
    Error e = s.error();
    e.message = "cannot import the snapshot " + snapshot + ": " + e.message;
    e.hint = "the transaction or replication connection that exported it must stay open for the whole clone";
    return e;
  }
  return Status::Ok();
}

}  // namespace hk::clone
