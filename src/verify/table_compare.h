// Compares one table's rows on both servers with server-side hashes.
//
// Row hash: hashtextextended(ROW(c1, c2, ...)::text, 0), a 64-bit hash of
// PostgreSQL's own text form of the row, columns ordered by name. A chunk's
// fingerprint is (count(*), sum(row hash)); sum() of bigint is computed by
// the server as numeric, so it never overflows and counts duplicates (unlike
// XOR, where two equal rows cancel out).
#pragma once

#include "common/status.h"
#include "verify/report.h"
#include "verify/session.h"
#include "verify/sql_text.h"
#include "verify/verify.h"

namespace hk::verify {

/// A chunk's fingerprint as both servers compute it: row count and the exact
/// (numeric) sum of the 64-bit row hashes. Shared by the keyed and multiset paths.
struct Agg {
  int64_t n = 0;
  std::string sum = "0";
  bool operator==(const Agg& o) const { return n == o.n && sum == o.sum; }
};

/// " FROM ONLY schema.table AS t" for the chunk queries.
inline std::string From(const TableInfo& t) { return " FROM ONLY " + t.qualified + " AS t"; }

/// Tables with a primary key: chunks by key range (boundaries sampled on the
/// source), bisected down to opts.leaf_rows rows, then compared row by row.
/// `t` carries the columns both sides have, in name order.
Status ComparePkTable(SessionPair& sp, const TableInfo& t, const VerifyOptions& o,
                      VerifyReport& report, TableStats& stats);

/// Tables without a primary key (and materialized views): multisets of rows,
/// bucketed by the top 8 bits of the row hash; differing rows are listed with
/// their count on each side.
Status CompareMultiset(SessionPair& sp, const TableInfo& t, const VerifyOptions& o,
                       VerifyReport& report, TableStats& stats, bool informational);

}  // namespace hk::verify
