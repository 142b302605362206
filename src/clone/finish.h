// The steps after the table data: large objects, sequences, materialized
// views, ANALYZE.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::clone {

/// Copies every large object (data read at the snapshot `src` is in, OIDs,
/// owners unless no_owner, comments) in 1 MB chunks; replaces any with the
/// same OID already on the target. Returns how many.
Result<int64_t> CopyLargeObjects(pg::Connection& src, pg::Connection& dst, bool no_owner,
                                 const std::atomic<bool>* stop);

/// setval() on the target for every sequence present on both sides, from
/// the source's last_value / is_called. Returns how many.
Result<int64_t> CopySequences(pg::Connection& src, pg::Connection& dst);

/// REFRESH MATERIALIZED VIEW, in the given (dependency) order, for those
/// populated on the source.
Status RefreshMatviews(pg::Connection& src, pg::Connection& dst, const std::vector<int64_t>& oids);

/// ANALYZE what the copy workers did not: partitioned parents and
/// materialized views (every plain table was analyzed after its indexes).
Status AnalyzeAll(const pg::ConnInfo& target, const std::string& encoding, int jobs,
                  const std::atomic<bool>* stop);

}  // namespace hk::clone
