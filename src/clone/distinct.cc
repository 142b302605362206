// Source and target must be different databases. Which server a session is
// on: its system identifier where the role may read pg_control_system()
// (superusers, pg_monitor); otherwise the postmaster's start time (to the
// microsecond) and port, which any role may read and which tell servers
// apart even behind proxies. data_directory is not used: reading it needs
// pg_read_all_settings, and current_setting(..., true) still raises without.
#include "clone/clone.h"
#include "common/log.h"

namespace hk::clone {
namespace {

struct Identity {
  std::string database, system_identifier, started;
};

Result<Identity> Identify(pg::Connection& c) {
  Identity id;
  HK_ASSIGN_OR_RETURN(
      pg::QueryResult r,
      c.Exec("SELECT current_database(), concat_ws('/', pg_postmaster_start_time(), "
             "current_setting('port')), has_function_privilege('pg_control_system()', 'EXECUTE')",
             {}));
  id.database = r.Str(0, 0);
  id.started = r.Str(0, 1);
  if (r.Bool(0, 2)) {
    auto s = c.QueryValue("SELECT system_identifier::text FROM pg_control_system()");
    if (s.ok()) id.system_identifier = *s;
  }
  return id;
}

}  // namespace

Status CheckDistinct(pg::Connection& src, pg::Connection& dst) {
  auto a = Identify(src);
  auto b = Identify(dst);
  if (!a.ok() || !b.ok()) {
    // Never a reason to stop: the target's emptiness check still guards it.
    LogWarn("could not tell whether source and target are the same server ({})",
            (a.ok() ? b.error() : a.error()).message);
    return Status::Ok();
  }
  bool same_server = !a->system_identifier.empty() && !b->system_identifier.empty()
                         ? a->system_identifier == b->system_identifier && a->started == b->started
                         : a->started == b->started;
  if (same_server && a->database == b->database)
    return BlockedError("the source and the target are the same database",
                        "point --target at a different (empty) database");
  return Status::Ok();
}

}  // namespace hk::clone
