#include "cdc/slot.h"

#include <chrono>
#include <thread>

#include "common/log.h"
#include "pg/quote.h"

namespace hk::cdc {

Result<SlotSnapshot> CreateSlotWithSnapshot(const pg::ConnInfo& source,
                                            const std::string& slot_name) {
  pg::ConnectOptions co;
  co.replication = true;
  co.application_name = "hikkoshi snapshot";
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(source, co));
  // PG15 syntax; PG 10-14 spell the option EXPORT_SNAPSHOT.
  std::string opt = c.ServerVersion() >= 150000 ? "(SNAPSHOT 'export')" : "EXPORT_SNAPSHOT";
  auto r =
      c.Exec("CREATE_REPLICATION_SLOT " + pg::QuoteIdent(slot_name) + " LOGICAL pgoutput " + opt);
  if (!r.ok()) {
    Error e = r.TakeError();
    if (e.sqlstate == "42710")
      e.hint =
          "a slot of that name exists already: run `hikkoshi cleanup` first, or use another work "
          "directory";
    return std::move(e).Context("creating replication slot " + slot_name);
  }
  if (r->rows() != 1 || r->cols() < 3)
    return MakeError(ErrorKind::kInternal, "CREATE_REPLICATION_SLOT returned no row");
  SlotSnapshot s;
  s.slot_name_ = r->Str(0, 0);
  auto lsn = ParseLsn(r->Get(0, 1));
  if (!lsn) return MakeError(ErrorKind::kInternal, "bad consistent point " + r->Str(0, 1));
  s.consistent_point_ = *lsn;
  s.snapshot_name_ = r->Str(0, 2);
  s.conn_ = std::move(c);
  LogInfo("created replication slot {} at {} with snapshot {}", s.slot_name_, FormatLsn(*lsn),
          s.snapshot_name_);
  return s;
}

Status CreatePublication(pg::Connection& source, const std::vector<std::string>& tables) {
  std::string what = "ALL TABLES";
  HK_ASSIGN_OR_RETURN(auto tx, pg::Transaction::Begin(source));
  if (!tables.empty()) {
    what = "TABLE ";
    for (size_t i = 0; i < tables.size(); ++i) what += (i ? ", " : "") + tables[i];
    // hikkoshi's own schema is never in the user's table list, but cutover's
    // markers travel through its probe table (in the reverse direction too).
    HK_ASSIGN_OR_RETURN(
        std::string probe,
        source.QueryValue("SELECT to_regclass('hikkoshi.cutover_probe') IS NOT NULL"));
    if (probe == "t") what += ", hikkoshi.cutover_probe";
  }
  HK_ASSIGN_OR_RETURN(std::string n,
                      source.QueryValue("SELECT count(*) FROM pg_publication WHERE pubname = $1",
                                        {kPublicationName}));
  if (n != "0") HK_RETURN_IF_ERROR(source.Run(std::string("DROP PUBLICATION ") + kPublicationName));
  auto st = source.Run(std::string("CREATE PUBLICATION ") + kPublicationName + " FOR " + what +
                       " WITH (publish_via_partition_root = true)");
  if (!st.ok()) return std::move(st.error()).Context("creating publication");
  return tx.Commit();
}

Status DropSlotIfExists(pg::Connection& source, const std::string& slot_name, int wait_s) {
  for (int i = 0;; ++i) {
    HK_ASSIGN_OR_RETURN(
        auto r,
        source.Exec("SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1",
                    {slot_name}));
    if (r.rows() == 0) return Status::Ok();
    if (!r.Bool(0, 0)) break;
    if (i >= wait_s * 2) {
      return MakeError(ErrorKind::kBadInput,
                       "replication slot " + slot_name + " is in use by process " + r.Str(0, 1),
                       "stop the running `hikkoshi follow` first, then run cleanup again");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  auto st = source.Run(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1",
      {slot_name});
  if (!st.ok()) return std::move(st.error()).Context("dropping replication slot " + slot_name);
  return Status::Ok();
}

Status DropPublicationIfExists(pg::Connection& source) {
  return source.Run(std::string("DROP PUBLICATION IF EXISTS ") + kPublicationName);
}

Result<bool> DropUnusedPublication(pg::Connection& source) {
  HK_ASSIGN_OR_RETURN(
      std::string in_use,
      source.QueryValue(
          "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'hikkoshi\\_%' "
          "AND database = current_database()"));
  if (in_use != "0") return false;
  HK_ASSIGN_OR_RETURN(std::string n,
                      source.QueryValue("SELECT count(*) FROM pg_publication WHERE pubname = $1",
                                        {std::string(kPublicationName)}));
  HK_RETURN_IF_ERROR(DropPublicationIfExists(source));
  return n != "0";
}

}  // namespace hk::cdc
