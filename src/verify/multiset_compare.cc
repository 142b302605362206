// Tables without a primary key (and materialized views) compared as
// multisets of rows; see table_compare.h for the fingerprint.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "common/log.h"
#include "verify/table_compare.h"

namespace hk::verify {
namespace {

// Rows of differing multiset buckets fetched per side at most (about; the
// first bucket is always fetched).
constexpr int64_t kMultisetRowBudget = 200000;

// Row texts longer than this are cut in reports.
constexpr size_t kMaxRowText = 4096;

void Sleep(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

Status CompareMultiset(SessionPair& sp, const TableInfo& t, const VerifyOptions& o,
                       VerifyReport& report, TableStats& stats, bool informational) {
  HK_RETURN_IF_ERROR(sp.Begin());
  const std::string rows = "(SELECT " + RowTextExpr(t) + " AS r" + From(t) + " OFFSET 0) s0";
  const std::string bucket = "(hashtextextended(r, 0) >> 56)::int";
  std::string sql = "SELECT b, count(*), sum(h)::text FROM (SELECT " + bucket +
                    " AS b, hashtextextended(r, 0) AS h FROM " + rows + ") s GROUP BY b";
  HK_ASSIGN_OR_RETURN(auto res, sp.Both(sql));
  std::map<int64_t, std::pair<Agg, Agg>> buckets;
  for (int i = 0; i < res.first.rows(); ++i) {
    Agg a{res.first.Int(i, 1), res.first.Str(i, 2)};
    stats.source_rows += a.n;
    buckets[res.first.Int(i, 0)].first = a;
  }
  for (int i = 0; i < res.second.rows(); ++i) {
    Agg b{res.second.Int(i, 1), res.second.Str(i, 2)};
    stats.target_rows += b.n;
    buckets[res.second.Int(i, 0)].second = b;
  }
  stats.chunks = static_cast<int>(buckets.size());
  std::vector<std::string> diff;
  for (const auto& [b, ab] : buckets) {
    if (!(ab.first == ab.second)) diff.push_back(std::to_string(b));
  }
  stats.differing_chunks = static_cast<int>(diff.size());
  bool persistent = false;
  for (int attempt = 0; attempt < o.retries && !diff.empty(); ++attempt) {
    LogDebug("verify: {}: {} differing bucket(s), re-check {} of {}", t.qualified, diff.size(),
             attempt + 1, o.retries);
    std::string before = sp.snapshot_ids();
    Sleep(o.retry_wait_ms);
    HK_RETURN_IF_ERROR(sp.Begin());
    if (sp.snapshot_ids() == before) {
      // Nothing was written on either server: a re-check would see the same
      // data, and nothing is being applied. The difference persists.
      LogDebug("verify: {}: no writes on either server since the last check", t.qualified);
      persistent = true;
      break;
    }
    std::string q = "SELECT b, count(*), sum(h)::text FROM (SELECT " + bucket +
                    " AS b, hashtextextended(r, 0) AS h FROM " + rows +
                    ") s WHERE b = ANY($1::int[]) GROUP BY b";
    HK_ASSIGN_OR_RETURN(auto rr, sp.Both(q, {ArrayLiteral(diff)}));
    std::map<std::string, std::pair<Agg, Agg>> m;
    for (int i = 0; i < rr.first.rows(); ++i)
      m[rr.first.Str(i, 0)].first = {rr.first.Int(i, 1), rr.first.Str(i, 2)};
    for (int i = 0; i < rr.second.rows(); ++i)
      m[rr.second.Str(i, 0)].second = {rr.second.Int(i, 1), rr.second.Str(i, 2)};
    std::vector<std::string> still;
    for (const auto& b : diff) {
      if (!(m[b].first == m[b].second)) still.push_back(b);
    }
    stats.transient_chunks += static_cast<int>(diff.size() - still.size());
    diff = std::move(still);
    persistent = true;
  }
  // Rows of the differing buckets travel to the client: keep that bounded.
  // Buckets beyond the budget are reported as such, with their row counts.
  std::vector<std::string> fetch;
  int64_t budget = kMultisetRowBudget;
  for (const auto& b : diff) {
    const auto& ab = buckets[std::stoll(b)];
    int64_t n = std::max(ab.first.n, ab.second.n);
    if (fetch.empty() || n <= budget) {
      fetch.push_back(b);
      budget -= n;
      continue;
    }
    Difference d;
    d.area = informational ? "matview_data" : "data";
    d.object_type = "hash_bucket";
    d.object = t.qualified;
    d.kind = "changed";
    d.key = "bucket " + b;
    d.source_count = ab.first.n;
    d.target_count = ab.second.n;
    d.persistent = persistent;
    d.informational = informational;
    report.Add(std::move(d));
  }
  if (!fetch.empty()) {
    std::string q =
        "SELECT r, count(*) FROM " + rows + " WHERE " + bucket + " = ANY($1::int[]) GROUP BY r";
    HK_ASSIGN_OR_RETURN(auto rr, sp.Both(q, {ArrayLiteral(fetch)}));
    std::map<std::string, std::pair<int64_t, int64_t>> m;
    for (int i = 0; i < rr.first.rows(); ++i) m[rr.first.Str(i, 0)].first = rr.first.Int(i, 1);
    for (int i = 0; i < rr.second.rows(); ++i) m[rr.second.Str(i, 0)].second = rr.second.Int(i, 1);
    int64_t reported = 0;
    for (const auto& [row, counts] : m) {
      if (counts.first == counts.second) continue;
      Difference d;
      d.area = informational ? "matview_data" : "data";
      d.object_type = "row";
      d.object = t.qualified;
      d.kind = counts.first > counts.second ? "missing_on_target" : "extra_on_target";
      d.key = Truncate(row, kMaxRowText);
      d.source_count = counts.first;
      d.target_count = counts.second;
      d.persistent = persistent;
      d.informational = informational;
      report.Add(std::move(d));
      if (++reported >= o.max_diffs) break;
    }
  }
  return sp.End();
}

}  // namespace hk::verify
