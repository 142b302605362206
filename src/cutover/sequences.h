// Sequences are not carried by logical decoding: at the switch, every
// sequence on the side that becomes writable is brought to the other side's
// position (plus an optional safety gap), so new rows do not collide. A
// sequence is never moved backwards, one missing on the receiving side (an
// excluded table's) is reported and skipped, and one restarted but not yet
// called (is_called = false) is carried as such.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::cutover {

struct SequenceSync {
  int copied = 0;
  int never_used = 0;                ///< Not called on `from` and `to` already there: left alone.
  int already_ahead = 0;             ///< `to` was at or past the wanted position: never lowered.
  std::vector<std::string> missing;  ///< On `from` only: skipped.
};

/// One sequence's state: setval(value, is_called) semantics.
struct SeqPos {
  int64_t last_value = 0;
  bool is_called = false;
};

/// The position `to` should be set to, or nullopt to leave it alone (it is
/// already at or past it). `increment` decides the direction; the gap is
/// added (in that direction) only to a called sequence; clamped to [min, max].
std::optional<SeqPos> WantedSequencePos(SeqPos from, SeqPos to, int64_t increment, int64_t min,
                                        int64_t max, int64_t gap);

/// Brings every user sequence of `from` (pg/catalog's ListSequences) that
/// also exists on `to` to from's position + gap.
Result<SequenceSync> CopySequences(pg::Connection& from, pg::Connection& to, int64_t gap);

}  // namespace hk::cutover
