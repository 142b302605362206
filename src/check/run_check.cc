#include "check/run_check.h"

#include "check/client_tools.h"
#include "check/facts.h"
#include "check/rules.h"
#include "pg/connection.h"

namespace hk::check {
namespace {

nlohmann::json Summary(const ServerFacts& f) {
  return {{"url", f.redacted},        {"version", f.version}, {"version_num", f.version_num},
          {"database", f.database},   {"user", f.user},       {"database_bytes", f.database_bytes},
          {"tables", f.tables.size()}};
}

}  // namespace

Result<Report> RunCheck(const CheckOptions& opts) {
  pg::ConnectOptions co;
  co.application_name = "hikkoshi check";
  HK_ASSIGN_OR_RETURN(pg::Connection src, pg::Connection::Open(opts.source, co));
  HK_ASSIGN_OR_RETURN(pg::Connection tgt, pg::Connection::Open(opts.target, co));
  // Everything check does is read-only; make the servers enforce it.
  HK_RETURN_IF_ERROR(src.Run("SET default_transaction_read_only = on"));
  HK_RETURN_IF_ERROR(tgt.Run("SET default_transaction_read_only = on"));

  HK_ASSIGN_OR_RETURN(ServerFacts s, GatherFacts(src));
  HK_ASSIGN_OR_RETURN(ServerFacts t, GatherFacts(tgt));

  RuleOptions ro;
  ro.drop_if_exists = opts.drop_if_exists;
  ro.source_host = opts.source.Host();
  ro.source_port = opts.source.Effective("port");
  ro.target_host = opts.target.Host();
  ro.target_port = opts.target.Effective("port");

  Report r;
  r.source = Summary(s);
  r.target = Summary(t);
  EvaluateSource(s, ro, r);
  EvaluateTarget(t, ro, r);
  EvaluatePair(s, t, ro, r);
  EvaluateProviders(&s, &t, ro, r);
  EvaluateClientTools(s, t, GatherClientTools(), r);
  return r;
}

}  // namespace hk::check
