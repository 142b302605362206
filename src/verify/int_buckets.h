// Arithmetic chunks for a single integer primary key: a row's chunk is
// `key / width` (PostgreSQL integer division, truncating toward zero), so the
// servers assign rows to chunks with one division instead of a binary search
// over sampled thresholds (width_bucket). Pure helpers, unit-tested in
// tests/unit/verify_sql_test.cc.
//
// Every row of either side lands in exactly one chunk whatever its key (keys
// outside the source's [min, max] included), and each chunk maps back to the
// key range [lo, hi) that holds exactly its rows, so localisation re-reads
// the same rows by range.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "verify/sql_text.h"

namespace hk::verify {

struct IntBuckets {
  int64_t width = 1;       ///< Keys per chunk (>= 1).
  std::string param_type;  ///< smallint, integer or bigint: the narrowest that holds width.
  int64_t type_min = INT64_MIN, type_max = INT64_MAX;  ///< Range of the key's type.
};

/// True for the key types arithmetic chunks apply to (smallint, integer, bigint).
bool IsIntegerKeyType(const std::string& format_type);

/// Chunks of about (max - min + 1) / nchunks keys for a key of this type whose
/// source values lie in [min, max] (their text form). nullopt when the type is
/// not an integer type or the bounds do not parse.
std::optional<IntBuckets> PlanIntBuckets(const std::string& key_type, const std::string& min,
                                         const std::string& max, int64_t nchunks);

/// `t."id" / $N::type`: the chunk number of a row.
std::string IntBucketExpr(const IntBuckets& b, const std::string& key_sql, size_t param_no);

/// The key range holding exactly the rows of chunk `bucket`; a bound past
/// the key type's range is left open.
KeyRange IntBucketRange(const IntBuckets& b, int64_t bucket);

}  // namespace hk::verify
