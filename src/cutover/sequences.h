// Sequences are not carried by logical decoding: at the switch, every
// sequence on the side that becomes writable is set to the other side's value
// (plus an optional safety gap), so new rows do not collide.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::cutover {

struct SequenceSync {
  int copied = 0;
  int never_used = 0;  ///< last_value NULL on `from`: left alone.
};

/// setval() on `to` for every sequence of `from` (outside pg_catalog,
/// information_schema and hikkoshi), clamped to the sequence's bounds.
Result<SequenceSync> CopySequences(pg::Connection& from, pg::Connection& to, int64_t gap);

}  // namespace hk::cutover
