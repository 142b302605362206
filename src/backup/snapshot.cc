#include "backup/snapshot.h"

#include "common/log.h"

namespace hk::backup {

Result<std::unique_ptr<HeldSnapshot>> HeldSnapshot::Take(const pg::ConnInfo& source) {
  std::unique_ptr<HeldSnapshot> s(new HeldSnapshot());
  HK_ASSIGN_OR_RETURN(s->conn_, pg::Connection::Open(source, {.application_name = "hikkoshi-backup"}));
  HK_RETURN_IF_ERROR(s->conn_.Run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
  s->open_ = true;
  HK_ASSIGN_OR_RETURN(s->info_.snapshot, s->conn_.QueryValue("SELECT pg_export_snapshot()"));
  HK_ASSIGN_OR_RETURN(auto r, s->conn_.Exec(R"(
    SELECT current_setting('server_version'), current_setting('server_version_num')::int,
           (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                 ELSE pg_current_wal_lsn() END)::text,
           pg_database_size(current_database()), current_database(),
           to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           CASE WHEN has_function_privilege('pg_control_system()', 'EXECUTE')
                THEN (SELECT system_identifier::text FROM pg_control_system()) END)"));
  SourceInfo& i = s->info_;
  i.url = source.Redacted();
  i.server_version = r.Str(0, 0);
  i.server_version_num = static_cast<int>(r.Int(0, 1));
  i.lsn = r.Str(0, 2);
  i.database_size_bytes = r.Int(0, 3);
  i.database = r.Str(0, 4);
  i.snapshot_time = r.Str(0, 5);
  i.system_identifier = r.Str(0, 6);
  HK_ASSIGN_OR_RETURN(s->facts_, CollectDbFacts(s->conn_));
  LogInfo("snapshot {} of {} at LSN {}: {} tables, {} sequences", i.snapshot, i.url, i.lsn,
          s->facts_.tables.size(), s->facts_.sequences.size());
  return s;
}

Status HeldSnapshot::Release() {
  if (!open_) return Status::Ok();
  open_ = false;
  return conn_.Run("COMMIT");
}

}  // namespace hk::backup
