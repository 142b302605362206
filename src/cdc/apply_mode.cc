#include "cdc/apply_mode.h"

#include <fmt/format.h>

namespace hk::cdc {

std::string ApplyModes::Describe() const {
  return fmt::format("apply mode {} ({}); triggers: {} ({})", progress, progress_why, triggers,
                     triggers_why);
}

Result<ApplyCapabilities> ReadApplyCapabilities(pg::Connection& c) {
  ApplyCapabilities caps;
  HK_ASSIGN_OR_RETURN(
      auto r,
      c.Exec("SELECT has_function_privilege('pg_catalog.pg_replication_origin_create(text)', "
             "'EXECUTE') "
             "AND has_function_privilege('pg_catalog.pg_replication_origin_session_setup(text)', "
             "'EXECUTE') "
             "AND has_function_privilege('pg_catalog.pg_replication_origin_xact_setup(pg_lsn, "
             "timestamp with time zone)', 'EXECUTE') "
             "AND has_function_privilege('pg_catalog.pg_replication_origin_progress(text, "
             "boolean)', 'EXECUTE') "
             "AND "
             "has_function_privilege('pg_catalog.pg_replication_origin_session_progress(boolean)', "
             "'EXECUTE') "
             // Before 14 the functions checked for a superuser themselves.
             "AND (current_setting('server_version_num')::int >= 140000 OR "
             "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user))"));
  caps.origin_functions = r.Bool(0, 0);
  // Tried in a transaction that is rolled back: superuser, SET ON PARAMETER
  // (15+) and a provider's own arrangements (RDS's rds_superuser) all count.
  HK_RETURN_IF_ERROR(c.Run("BEGIN"));
  Status st = c.Run("SET LOCAL session_replication_role = replica");
  Status rb = c.Run("ROLLBACK");
  if (!st.ok() && st.error().kind != ErrorKind::kPermission) return st.TakeError();
  HK_RETURN_IF_ERROR(rb);
  caps.replica_role = st.ok();
  return caps;
}

Result<ApplyModes> ChooseApplyModes(const ApplyCapabilities& caps, const std::string& progress,
                                    const std::string& triggers, const std::string& recorded) {
  ApplyModes m;
  auto bad = [](const std::string& flag, const std::string& v) {
    return MakeError(ErrorKind::kBadInput, "unknown " + flag + " " + v,
                     flag == "--apply-mode" ? "use origin, progress-table or auto"
                                            : "use replica-role, disable-triggers or auto");
  };
  if (progress != kModeAuto && progress != kProgressOrigin && progress != kProgressTable)
    return bad("--apply-mode", progress);
  if (triggers != kModeAuto && triggers != kTriggersReplicaRole && triggers != kTriggersDisable)
    return bad("--trigger-mode", triggers);
  if (!recorded.empty() && progress != kModeAuto && progress != recorded)
    return MakeError(ErrorKind::kBadInput,
                     "this follow setup applies in mode " + recorded + ", not " + progress,
                     "its resume point is kept by that mode: run follow without --apply-mode "
                     "(or --apply-mode " +
                         recorded + ")");
  m.progress = progress != kModeAuto   ? progress
               : !recorded.empty()     ? recorded
               : caps.origin_functions ? kProgressOrigin
                                       : kProgressTable;
  if (m.progress == kProgressOrigin) {
    if (!caps.origin_functions)
      return MakeError(ErrorKind::kPermission,
                       "the applying role may not execute the pg_replication_origin_* functions",
                       recorded == kProgressOrigin
                           ? "this follow setup keeps its position in a replication origin: GRANT "
                             "EXECUTE on them to the role again (or clean up and set up again)"
                           : "GRANT EXECUTE on them to the role (PostgreSQL 15), or let follow "
                             "use --apply-mode progress-table");
    m.progress_why = progress == kModeAuto && !recorded.empty() ? "recorded by this follow setup"
                     : progress != kModeAuto                    ? "asked for"
                                             : "the role may use replication origins";
  } else {
    m.progress_why = progress != kModeAuto ? "asked for"
                     : !recorded.empty()   ? "recorded by this follow setup"
                                           : "the role may not execute pg_replication_origin_*; "
                                             "the position is kept in hikkoshi.apply_progress";
  }
  m.triggers = triggers != kModeAuto ? triggers
               : caps.replica_role   ? kTriggersReplicaRole
                                     : kTriggersDisable;
  if (m.triggers == kTriggersReplicaRole && !caps.replica_role)
    return MakeError(ErrorKind::kPermission,
                     "the applying role may not set session_replication_role",
                     "GRANT SET ON PARAMETER session_replication_role to the role (PostgreSQL 15), "
                     "or let follow use --trigger-mode disable-triggers");
  m.triggers_why = triggers != kModeAuto ? "asked for"
                   : caps.replica_role   ? "the role may set session_replication_role"
                                         : "the role may not set session_replication_role; user "
                                           "triggers are disabled while follow runs";
  return m;
}

}  // namespace hk::cdc
