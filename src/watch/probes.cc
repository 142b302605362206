#include "watch/probes.h"

#include <algorithm>
#include <chrono>

#include "pg/connection.h"

namespace hk::watch {

Result<Counters> ChangeCounters(const pg::ConnInfo& db) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(db));
  HK_ASSIGN_OR_RETURN(
      pg::QueryResult r,
      c.Exec("SELECT schemaname || '.' || relname, (n_tup_ins + n_tup_upd + n_tup_del)::text "
             "FROM pg_stat_user_tables WHERE schemaname <> 'hikkoshi'"));
  Counters out;
  for (int i = 0; i < r.rows(); ++i) out[r.Str(i, 0)] = std::stoll(r.Str(i, 1));
  return out;
}

Result<std::vector<SlotUsage>> HikkoshiSlots(const pg::ConnInfo& db) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(db));
  HK_ASSIGN_OR_RETURN(
      pg::QueryResult r,
      c.Exec(
          "SELECT slot_name, active::text, "
          "coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint::text, "
          "coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn), 0)::bigint::text "
          "FROM pg_replication_slots WHERE slot_name LIKE 'hikkoshi\\_%' "
          "AND database = current_database() ORDER BY 1"));
  std::vector<SlotUsage> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(
        {r.Str(i, 0), r.Str(i, 1) == "true", std::stoll(r.Str(i, 2)), std::stoll(r.Str(i, 3))});
  return out;
}

Result<int64_t> QueryLatencyMs(const pg::ConnInfo& db, const std::string& sql) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(db));
  std::vector<int64_t> ms;
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(sql));
    (void)r;
    ms.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace hk::watch
