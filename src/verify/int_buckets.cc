#include "verify/int_buckets.h"

#include <charconv>
#include <limits>

namespace hk::verify {
namespace {

using i128 = __int128;

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string ToText(i128 v) { return std::to_string(static_cast<int64_t>(v)); }

}  // namespace

bool IsIntegerKeyType(const std::string& t) {
  return t == "smallint" || t == "integer" || t == "bigint";
}

std::optional<IntBuckets> PlanIntBuckets(const std::string& key_type, const std::string& min,
                                         const std::string& max, int64_t nchunks) {
  if (!IsIntegerKeyType(key_type)) return std::nullopt;
  auto lo = ParseInt(min), hi = ParseInt(max);
  if (!lo || !hi || *hi < *lo) return std::nullopt;
  IntBuckets b;
  if (key_type == "smallint") {
    b.type_min = std::numeric_limits<int16_t>::min();
    b.type_max = std::numeric_limits<int16_t>::max();
  } else if (key_type == "integer") {
    b.type_min = std::numeric_limits<int32_t>::min();
    b.type_max = std::numeric_limits<int32_t>::max();
  }
  i128 span = static_cast<i128>(*hi) - static_cast<i128>(*lo) + 1;
  i128 n = nchunks < 1 ? 1 : nchunks;
  i128 w = (span + n - 1) / n;
  if (w < 1) w = 1;
  if (w > std::numeric_limits<int64_t>::max()) w = std::numeric_limits<int64_t>::max();
  b.width = static_cast<int64_t>(w);
  // Mixed-width integer division operators exist for every pair, so the
  // parameter only needs to hold the width (and never overflows the key's type).
  if (b.width <= std::numeric_limits<int16_t>::max()) {
    b.param_type = "smallint";
  } else if (b.width <= std::numeric_limits<int32_t>::max()) {
    b.param_type = "integer";
  } else {
    b.param_type = "bigint";
  }
  return b;
}

std::string IntBucketExpr(const IntBuckets& b, const std::string& key_sql, size_t param_no) {
  return key_sql + " / $" + std::to_string(param_no) + "::" + b.param_type;
}

KeyRange IntBucketRange(const IntBuckets& b, int64_t bucket) {
  // Division truncates toward zero: chunk 0 holds (-width, width), chunk
  // k > 0 holds [k*w, (k+1)*w), chunk k < 0 holds ((k-1)*w, k*w].
  i128 w = b.width, k = bucket, lo, hi;  // [lo, hi)
  if (k > 0) {
    lo = k * w;
    hi = (k + 1) * w;
  } else if (k < 0) {
    lo = (k - 1) * w + 1;
    hi = k * w + 1;
  } else {
    lo = -w + 1;
    hi = w;
  }
  KeyRange r;
  if (lo > b.type_max || hi <= b.type_min) {
    // No key of the type falls in this chunk: an empty range.
    i128 edge = lo > b.type_max ? b.type_max : b.type_min;
    r.lo = r.hi = KeyValue{ToText(edge)};
    return r;
  }
  if (lo > b.type_min) r.lo = KeyValue{ToText(lo)};
  if (hi <= b.type_max) r.hi = KeyValue{ToText(hi)};
  return r;
}

}  // namespace hk::verify
