// Drain: after the freeze, make sure every change committed on the frozen
// side has been applied on the other side. A marker row is committed into
// hikkoshi.cutover_probe on the frozen side (its commit is after every
// application commit, since those sessions are gone); changes are applied in
// source commit order and atomically with their position, so the marker's
// arrival proves everything before it arrived.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "cutover/drain_view.h"
#include "pg/connection.h"

namespace hk::cutover {

struct DrainResult {
  std::string token;
  uint32_t marker_xid = 0;  ///< The marker transaction's xid on the frozen side.
  std::string frozen_lsn;   ///< pg_current_wal_lsn() on the frozen side after the marker.
  std::string applied_lsn;  ///< The origin's progress on the other side when it arrived.
  int64_t waited_ms = 0;
  nlohmann::json ToJson() const;
};

/// Commits a marker on `frozen` and waits up to timeout_ms for it on `other`.
/// `origin` (on `other`) is read for the record only. `alive` is polled: when
/// it returns false the follower died and the wait fails early. `view`, when
/// set, is started once the marker is committed and stopped before return.
Result<DrainResult> Drain(pg::Connection& frozen, pg::Connection& other, const std::string& origin,
                          const std::string& note, int64_t timeout_ms,
                          const std::function<bool()>& alive, DrainView* view = nullptr);

}  // namespace hk::cutover
