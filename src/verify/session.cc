#include "verify/session.h"

#include <libpq-fe.h>

#include "pg/error.h"
#include "pg/stall_watchdog.h"

namespace hk::verify {

Result<pg::Connection> OpenSession(const pg::ConnInfo& info, const std::string& app_name) {
  pg::ConnectOptions co;
  co.application_name = app_name;
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(info, co));
  HK_RETURN_IF_ERROR(c.Run(
      "SET default_transaction_read_only = on; SET search_path = ''; SET TimeZone = 'UTC';"
      "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1;"
      "SET bytea_output = 'hex'; SET statement_timeout = 0; SET lock_timeout = '10s';"
      "SET idle_in_transaction_session_timeout = 0;"
      "SET work_mem = '64MB'; SET xmloption = content; SET lc_monetary = 'C'"));
  return c;
}

Status SessionPair::Begin() {
  if (open_) HK_RETURN_IF_ERROR(End());
  const char* begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  HK_RETURN_IF_ERROR(src_.Run(begin));
  HK_RETURN_IF_ERROR(tgt_.Run(begin));
  // Take both snapshots now (the first statement fixes a REPEATABLE READ
  // snapshot) and remember what they are.
  HK_ASSIGN_OR_RETURN(std::string a, src_.QueryValue("SELECT txid_current_snapshot()::text"));
  HK_ASSIGN_OR_RETURN(std::string b, tgt_.QueryValue("SELECT txid_current_snapshot()::text"));
  snapshot_ids_ = a + " " + b;
  open_ = true;
  return Status::Ok();
}

Status SessionPair::End() {
  if (!open_) return Status::Ok();
  open_ = false;
  Status a = src_.Run("COMMIT");
  Status b = tgt_.Run("COMMIT");
  if (!a.ok()) return a;
  return b;
}

namespace {

Status Send(pg::Connection& c, const std::string& sql, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  int ok = PQsendQueryParams(c.raw(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  if (!ok) return pg::ErrorFromResult(nullptr, c.raw());
  return Status::Ok();
}

// Collects every result of the sent statement; returns the last one or the
// first error (after draining, so the connection stays usable).
Result<pg::QueryResult> Receive(pg::Connection& c) {
  std::optional<Error> err;
  pg::QueryResult last;
  pg::StallGuard guard(c);
  while (PGresult* r = PQgetResult(c.raw())) {
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      last = pg::QueryResult(r);
    } else {
      if (!err) err = pg::ErrorFromResult(r, c.raw());
      PQclear(r);
    }
  }
  if (err) return *err;
  if (!c.Healthy()) return pg::ErrorFromResult(nullptr, c.raw());
  return last;
}

}  // namespace

Result<std::pair<pg::QueryResult, pg::QueryResult>> SessionPair::Both(const std::string& sql,
                                                                      const Params& src_params,
                                                                      const Params& tgt_params) {
  HK_RETURN_IF_ERROR(Send(src_, sql, src_params));
  Status sent = Send(tgt_, sql, tgt_params);
  if (!sent.ok()) {
    (void)Receive(src_);
    return sent.TakeError();
  }
  auto a = Receive(src_);
  auto b = Receive(tgt_);
  if (!a.ok()) return std::move(a).TakeError().Context("on the source");
  if (!b.ok()) return std::move(b).TakeError().Context("on the target");
  return std::make_pair(std::move(a).value(), std::move(b).value());
}

}  // namespace hk::verify
