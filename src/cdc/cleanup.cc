#include "cdc/cleanup.h"

#include <chrono>
#include <thread>

#include "cdc/follow_state.h"
#include "cdc/progress_table.h"
#include "cdc/slot.h"
#include "cdc/trigger_guard.h"
#include "common/log.h"
#include "pg/connection.h"

namespace hk::cdc {
namespace {

Status DropOrigin(pg::Connection& target, const std::string& origin, bool& dropped) {
  dropped = false;
  for (int i = 0;; ++i) {
    HK_ASSIGN_OR_RETURN(std::string exists,
                        target.QueryValue("SELECT count(*) FROM pg_replication_origin WHERE roname = $1", {origin}));
    if (exists == "0") return Status::Ok();  // never created (progress-table mode) or gone
    auto st = target.Run("SELECT pg_replication_origin_drop($1)", {origin});
    if (st.ok()) {
      dropped = true;
      return Status::Ok();
    }
    if (st.error().sqlstate != "55006" || i >= 20) {
      Error e = st.TakeError();
      if (e.sqlstate == "55006") e.hint = "stop the running `hikkoshi follow` first, then run cleanup again";
      return std::move(e).Context("dropping replication origin " + origin);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

}  // namespace

Result<CleanupResult> CleanupFollow(const pg::ConnInfo& source, const pg::ConnInfo& target,
                                    const std::string& workdir,
                                    const std::vector<std::string>& named_slots,
                                    const std::vector<std::string>& named_origins) {
  CleanupResult out;
  auto state = LoadFollowState(workdir);
  std::vector<std::string> slots = named_slots, origins = named_origins;
  HK_ASSIGN_OR_RETURN(pg::Connection src, pg::Connection::Open(source));
  HK_ASSIGN_OR_RETURN(pg::Connection tgt, pg::Connection::Open(target));
  // A database frozen by cutover/rollback defaults to read-only transactions;
  // hikkoshi's own cleanup sessions must still be able to drop its objects.
  HK_RETURN_IF_ERROR(src.Run("SET default_transaction_read_only = off"));
  HK_RETURN_IF_ERROR(tgt.Run("SET default_transaction_read_only = off"));
  if (state.ok()) {
    slots.push_back(state->slot);
    origins.push_back(state->origin);
  } else if (slots.empty() && origins.empty()) {
    // Without this work directory's names, never guess: other migrations'
    // slots and origins look just the same.
    HK_ASSIGN_OR_RETURN(
        auto r,
        src.Exec("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'hikkoshi\\_%' "
                 "AND database = current_database() ORDER BY 1"));
    HK_ASSIGN_OR_RETURN(auto o, tgt.Exec("SELECT roname FROM pg_replication_origin WHERE roname "
                                         "LIKE 'hikkoshi\\_%' ORDER BY 1"));
    HK_ASSIGN_OR_RETURN(std::vector<std::string> p, ProgressRows(tgt));
    if (r.rows() == 0 && o.rows() == 0 && p.empty()) {  // nothing of hikkoshi's anywhere
      HK_ASSIGN_OR_RETURN(int n, RestoreUserTriggers(tgt, workdir));
      if (n > 0)
        out.dropped.push_back("the record of " + std::to_string(n) +
                              " disabled user trigger(s) on the target (re-enabled them)");
      return out;
    }
    std::string list;
    for (int i = 0; i < r.rows(); ++i)
      list += (list.empty() ? "" : ", ") + ("slot " + r.Str(i, 0) + " on the source");
    for (int i = 0; i < o.rows(); ++i)
      list += (list.empty() ? "" : ", ") + ("origin " + o.Str(i, 0) + " on the target");
    for (const auto& row : p)
      list += (list.empty() ? "" : ", ") +
              ("row " + row + " of hikkoshi.apply_progress on the target (dropped with --slot " +
               row + ")");
    return MakeError(
        ErrorKind::kBadInput,
        "cannot tell what this work directory created (" + state.error().message +
            "); hikkoshi objects found: " + list,
        "name the ones this migration created: `hikkoshi cleanup --slot NAME --origin NAME` "
        "(other migrations' slots and origins must stay)");
  }
  for (const auto& s : slots) {
    HK_ASSIGN_OR_RETURN(std::string n, src.QueryValue("SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1", {s}));
    HK_RETURN_IF_ERROR(DropSlotIfExists(src, s));
    if (n != "0") out.dropped.push_back("replication slot " + s + " on the source");
  }
  HK_ASSIGN_OR_RETURN(bool pub_dropped, DropUnusedPublication(src));
  if (pub_dropped)
    out.dropped.push_back(std::string("publication ") + kPublicationName + " on the source");
  for (const auto& o : origins) {
    bool dropped = false;
    HK_RETURN_IF_ERROR(DropOrigin(tgt, o, dropped));
    if (dropped) out.dropped.push_back("replication origin " + o + " on the target");
  }
  // progress-table mode: each slot's row (and the table once empty); the
  // row is keyed by the slot's name, so `--slot NAME` finds it too.
  for (const auto& sl : slots) {
    HK_ASSIGN_OR_RETURN(bool row, DropProgressRow(tgt, sl));
    if (row) out.dropped.push_back("row " + sl + " of hikkoshi.apply_progress on the target");
  }
  // disable-triggers mode after a kill: the triggers come back as they were
  // (the record is this work directory's, with or without follow.json).
  HK_ASSIGN_OR_RETURN(int n, RestoreUserTriggers(tgt, workdir));
  if (n > 0)
    out.dropped.push_back("the record of " + std::to_string(n) +
                          " disabled user trigger(s) on the target (re-enabled them)");
  if (state.ok()) {
    state->phase = "cleaned-up";
    state->updated_at = NowIso8601();
    HK_RETURN_IF_ERROR(SaveFollowState(workdir, *state));
  }
  return out;
}

}  // namespace hk::cdc
