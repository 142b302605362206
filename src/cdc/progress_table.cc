#include "cdc/progress_table.h"

#include "cdc/apply_mode.h"

namespace hk::cdc {
namespace {

Result<bool> TableExists(pg::Connection& c) {
  HK_ASSIGN_OR_RETURN(auto r, c.Exec("SELECT to_regclass('hikkoshi.apply_progress') IS NOT NULL"));
  return r.Bool(0, 0);
}

}  // namespace

Status EnsureProgressTable(pg::Connection& c) {
  return c.Run(
      "BEGIN READ WRITE; "
      "CREATE SCHEMA IF NOT EXISTS hikkoshi; "
      "CREATE TABLE IF NOT EXISTS hikkoshi.apply_progress ("
      " slot text PRIMARY KEY, end_lsn pg_lsn NOT NULL, commit_time timestamptz,"
      " updated_at timestamptz NOT NULL DEFAULT now()); "
      "COMMIT");
}

Result<Lsn> ReadProgressTable(pg::Connection& c, const std::string& slot) {
  HK_ASSIGN_OR_RETURN(
      auto r, c.Exec("SELECT end_lsn::text FROM hikkoshi.apply_progress WHERE slot = $1", {slot}));
  if (r.rows() == 0) return Lsn{0};
  auto lsn = ParseLsn(r.Get(0, 0));
  if (!lsn)
    return MakeError(ErrorKind::kInternal, "bad LSN in hikkoshi.apply_progress: " + r.Str(0, 0));
  return *lsn;
}

const char* ProgressUpsertSql() {
  return "WITH hk_pos AS (INSERT INTO hikkoshi.apply_progress AS p (slot, end_lsn, commit_time, "
         "updated_at) "
         "VALUES ($1, $2::pg_lsn, '2000-01-01 00:00:00+00'::timestamptz + ($3::bigint / 1000000) * "
         "interval '1 second' + ($3::bigint % 1000000) * interval '1 microsecond', now()) "
         "ON CONFLICT (slot) DO UPDATE SET end_lsn = EXCLUDED.end_lsn, "
         "commit_time = EXCLUDED.commit_time, updated_at = EXCLUDED.updated_at RETURNING 1) "
         "SELECT pg_logical_emit_message(true, 'hikkoshi-apply', $1::text) FROM hk_pos";
}

const char* ProgressCheckSql() {
  return "SELECT 1 / (coalesce((SELECT end_lsn FROM hikkoshi.apply_progress WHERE slot = $2), "
         "'0/0') = $1::pg_lsn)::int";
}

Result<std::optional<Lsn>> AppliedPosition(pg::Connection& c, const FollowState& st) {
  if (st.apply_mode == kProgressTable) {
    HK_ASSIGN_OR_RETURN(bool exists, TableExists(c));
    if (!exists) return std::optional<Lsn>();
    HK_ASSIGN_OR_RETURN(
        auto r,
        c.Exec("SELECT end_lsn::text FROM hikkoshi.apply_progress WHERE slot = $1", {st.slot}));
    if (r.rows() == 0) return std::optional<Lsn>();
    return ParseLsn(r.Get(0, 0));
  }
  HK_ASSIGN_OR_RETURN(auto r,
                      c.Exec("SELECT pg_replication_origin_progress($1, true)::text", {st.origin}));
  if (r.rows() == 0 || r.IsNull(0, 0)) return std::optional<Lsn>();
  return ParseLsn(r.Get(0, 0));
}

Result<std::vector<std::string>> ProgressRows(pg::Connection& c) {
  std::vector<std::string> out;
  HK_ASSIGN_OR_RETURN(bool exists, TableExists(c));
  if (!exists) return out;
  HK_ASSIGN_OR_RETURN(auto r, c.Exec("SELECT slot FROM hikkoshi.apply_progress ORDER BY 1"));
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.Str(i, 0));
  return out;
}

Result<bool> DropProgressRow(pg::Connection& c, const std::string& slot) {
  HK_ASSIGN_OR_RETURN(bool exists, TableExists(c));
  if (!exists) return false;
  HK_ASSIGN_OR_RETURN(
      auto r, c.Exec("DELETE FROM hikkoshi.apply_progress WHERE slot = $1 RETURNING 1", {slot}));
  bool removed = r.rows() > 0;
  HK_ASSIGN_OR_RETURN(auto left,
                      c.Exec("SELECT NOT EXISTS (SELECT 1 FROM hikkoshi.apply_progress)"));
  if (left.Bool(0, 0)) HK_RETURN_IF_ERROR(c.Run("DROP TABLE IF EXISTS hikkoshi.apply_progress"));
  return removed;
}

}  // namespace hk::cdc
