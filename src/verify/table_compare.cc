#include "verify/table_compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <thread>

#include "common/log.h"
#include "pg/quote.h"
#include "verify/int_buckets.h"

namespace hk::verify {
namespace {

// Changed rows per table whose differing values are shown.
constexpr int kChangedValuesPerTable = 20;

// A key seen on one side only of a localised range: missing_on_target or
// extra_on_target, once a lookup by key on the other side confirms it.
struct OneSided {
  KeyValue key;
  bool on_source = true;  ///< true: missing on the target; false: extra on the target.
  std::string hash;       ///< Its row hash on the side that has it.
  size_t chunk = 0;
};

// Per-table localisation state.
struct Ctx {
  SessionPair& sp;
  const TableInfo& t;
  const VerifyOptions& o;
  VerifyReport& report;
  bool persistent = false;
  int64_t reported = 0;
  int changed_values_fetched = 0;
  std::vector<KeyValue> changed;    ///< Changed keys not yet reported (see NameChanged).
  std::vector<OneSided> one_sided;  ///< Not yet confirmed (see ConfirmOneSided).
  size_t chunk = 0;                 ///< The differing chunk being localised.
  std::vector<bool> explained;      ///< Per differing chunk: a difference was named in it.
  void Explained() {
    if (chunk < explained.size()) explained[chunk] = true;
  }
};

Result<std::pair<Agg, Agg>> HashRange(Ctx& c, const KeyRange& r) {
  Params p;
  std::string pred = RangePredicate(c.t, r, p);
  std::string sql = "SELECT count(*), coalesce(sum(hashtextextended(" + RowTextExpr(c.t) +
                    ", 0)), 0)::text" + From(c.t) + " WHERE " + pred;
  HK_ASSIGN_OR_RETURN(auto res, c.sp.Both(sql, p));
  Agg a{res.first.Int(0, 0), res.first.Str(0, 1)};
  Agg b{res.second.Int(0, 0), res.second.Str(0, 1)};
  return std::make_pair(a, b);
}

// Fingerprints of many ranges in one statement per side (one round trip).
Result<std::vector<std::pair<Agg, Agg>>> HashRanges(Ctx& c, const std::vector<KeyRange>& ranges) {
  std::vector<std::pair<Agg, Agg>> out(ranges.size());
  constexpr size_t kBatch = 200;
  for (size_t start = 0; start < ranges.size(); start += kBatch) {
    Params p;
    std::string sql;
    size_t end = std::min(ranges.size(), start + kBatch);
    for (size_t i = start; i < end; ++i) {
      if (i > start) sql += " UNION ALL ";
      sql += "SELECT " + std::to_string(i) + ", count(*), coalesce(sum(hashtextextended(" +
             RowTextExpr(c.t) + ", 0)), 0)::text" + From(c.t) + " WHERE " +
             RangePredicate(c.t, ranges[i], p);
    }
    HK_ASSIGN_OR_RETURN(auto res, c.sp.Both(sql, p));
    for (int r = 0; r < res.first.rows(); ++r) {
      out[static_cast<size_t>(res.first.Int(r, 0))].first = {res.first.Int(r, 1),
                                                             res.first.Str(r, 2)};
    }
    for (int r = 0; r < res.second.rows(); ++r) {
      out[static_cast<size_t>(res.second.Int(r, 0))].second = {res.second.Int(r, 1),
                                                               res.second.Str(r, 2)};
    }
  }
  return out;
}

int64_t ChunkCount(const Ctx& c);

Result<std::vector<std::string>> Thresholds(Ctx& c) {
  std::vector<std::string> th;
  const TableInfo& t = c.t;
  if (t.key_cols.size() != 1) return th;
  double est = t.est_rows > 0 ? t.est_rows : static_cast<double>(t.est_bytes) / 100.0;
  int64_t nchunks = ChunkCount(c);
  if (nchunks == 0) return th;
  double sample = std::min(est, std::max(20000.0, 30.0 * static_cast<double>(nchunks)));
  double pct = std::clamp(100.0 * sample / est, 0.001, 100.0);
  std::string sql = fmt::format(
      "SELECT x::text FROM unnest((SELECT percentile_disc(ARRAY(SELECT g::float8 / {0} FROM "
      "generate_series(1, {0} - 1) g)) WITHIN GROUP (ORDER BY {1}){2} TABLESAMPLE SYSTEM ({3}) "
      "REPEATABLE (0))) "
      "WITH ORDINALITY u(x, o) ORDER BY o",
      nchunks, KeyList(t), From(t), pct);
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.sp.src().Exec(sql));
  for (int i = 0; i < r.rows(); ++i) {
    if (r.IsNull(i, 0)) continue;
    if (th.empty() || th.back() != r.Str(i, 0)) th.push_back(r.Str(i, 0));
  }
  return th;
}

// "(k1, k2) = ($1::t1, $2::t2)" for one row, parameters appended.
std::string KeyEquals(const TableInfo& t, const KeyValue& k, Params& p) {
  std::string where = "(" + KeyList(t) + ") = (";
  for (size_t i = 0; i < t.key_cols.size(); ++i) {
    p.push_back(k[i]);
    where += (i ? ", $" : "$") + std::to_string(p.size()) + "::" + t.key_types[i];
  }
  return where + ")";
}

// The columns whose text differs between the two sides for one key, found
// by comparing a hash of each column's text; with want_values, also
// "col=value; ..." of those columns on each side.
struct ColumnDiff {
  std::vector<std::string> columns;
  std::optional<std::string> source, target;
};

// For each key: the columns whose text differs (by a hash of each column's
// text); with want_values also the values. One statement per side.
Result<std::vector<ColumnDiff>> DifferingColumns(Ctx& c, const std::vector<KeyValue>& keys,
                                                 bool want_values) {
  const TableInfo& t = c.t;
  std::vector<ColumnDiff> out(keys.size());
  if (keys.empty()) return out;
  Params p;
  std::string sql;
  for (size_t k = 0; k < keys.size(); ++k) {
    if (k) sql += " UNION ALL ";
    sql += "SELECT " + std::to_string(k) + ", ARRAY[";
    for (size_t i = 0; i < t.columns.size(); ++i) {
      sql += (i ? ", " : "") + std::string("hashtextextended(t.") + pg::QuoteIdent(t.columns[i]) +
             "::text, 0)";
    }
    sql += "]::bigint[]::text";
    if (want_values) {
      for (const auto& col : t.columns) sql += ", t." + pg::QuoteIdent(col) + "::text";
    }
    sql += From(t) + " WHERE " + KeyEquals(t, keys[k], p);
  }
  HK_ASSIGN_OR_RETURN(auto res, c.sp.Both(sql, p));
  std::map<int64_t, int> srow, trow;
  for (int r = 0; r < res.first.rows(); ++r) srow[res.first.Int(r, 0)] = r;
  for (int r = 0; r < res.second.rows(); ++r) trow[res.second.Int(r, 0)] = r;
  for (size_t k = 0; k < keys.size(); ++k) {
    auto si = srow.find(static_cast<int64_t>(k)), ti = trow.find(static_cast<int64_t>(k));
    if (si == srow.end() || ti == trow.end()) continue;
    int rs = si->second, rt = ti->second;
    auto a = ParseSimpleArray(res.first.Str(rs, 1)), b = ParseSimpleArray(res.second.Str(rt, 1));
    std::string sv, tv;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      auto x = i < a.size() ? a[i] : std::nullopt;
      auto y = i < b.size() ? b[i] : std::nullopt;
      if (x == y) continue;
      out[k].columns.push_back(t.columns[i]);
      if (want_values) {
        int col = static_cast<int>(i) + 2;
        std::string sep = sv.empty() ? "" : "; ";
        sv += sep + t.columns[i] + "=" +
              (res.first.IsNull(rs, col) ? "NULL" : res.first.Str(rs, col));
        tv += sep + t.columns[i] + "=" +
              (res.second.IsNull(rt, col) ? "NULL" : res.second.Str(rt, col));
      }
    }
    if (want_values && !out[k].columns.empty()) {
      out[k].source = sv;
      out[k].target = tv;
    }
  }
  return out;
}

void ReportRange(Ctx& c, const KeyRange& r, const Agg& a, const Agg& b) {
  Difference d;
  d.area = "data";
  d.object_type = "key_range";
  d.object = c.t.qualified;
  d.kind = "changed";
  d.key = fmt::format("[{}, {})", r.lo ? KeyText(c.t, *r.lo) : "-inf",
                      r.hi ? KeyText(c.t, *r.hi) : "+inf");
  d.source_count = a.n;
  d.target_count = b.n;
  d.persistent = c.persistent;
  c.report.Add(std::move(d));
  c.Explained();
}

using RowMap = std::map<KeyValue, std::string>;  // key -> row hash

// Key and row hash of every row of the given small ranges, on both sides, in
// one statement per side (one round trip for a batch of chunks).
Result<std::vector<std::pair<RowMap, RowMap>>> FetchRows(Ctx& c,
                                                         const std::vector<KeyRange>& ranges) {
  const TableInfo& t = c.t;
  Params p;
  std::string sql;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (i) sql += " UNION ALL ";
    sql += "SELECT " + std::to_string(i) + ", ";
    for (const auto& k : t.key_cols) sql += "t." + pg::QuoteIdent(k) + "::text, ";
    sql += "hashtextextended(" + RowTextExpr(t) + ", 0)::text" + From(t) + " WHERE " +
           RangePredicate(t, ranges[i], p);
  }
  HK_ASSIGN_OR_RETURN(auto res, c.sp.Both(sql, p));
  std::vector<std::pair<RowMap, RowMap>> out(ranges.size());
  auto load = [&](const pg::QueryResult& q, bool source) {
    int nk = static_cast<int>(t.key_cols.size());
    for (int i = 0; i < q.rows(); ++i) {
      KeyValue k;
      for (int j = 1; j <= nk; ++j) k.push_back(q.Str(i, j));
      auto& pair = out[static_cast<size_t>(q.Int(i, 0))];
      (source ? pair.first : pair.second)[k] = q.Str(i, nk + 1);
    }
  };
  load(res.first, true);
  load(res.second, false);
  return out;
}

// Names each differing key of one small range.
Status NameRows(Ctx& c, const KeyRange& r, const RowMap& s, const RowMap& g) {
  // Past --max-diffs the rest of the range is reported as one key_range.
  auto capped = [&]() {
    if (c.reported < c.o.max_diffs) return false;
    ReportRange(c, r, Agg{static_cast<int64_t>(s.size())}, Agg{static_cast<int64_t>(g.size())});
    return true;
  };
  bool stopped = false;
  for (const auto& [k, sh] : s) {
    if (capped()) {
      stopped = true;
      break;
    }
    {
      auto it = g.find(k);
      if (it == g.end()) {
        c.one_sided.push_back({k, true, sh, c.chunk});
        ++c.reported;  // counted now, named by ConfirmOneSided()
      } else if (it->second != sh) {
        c.changed.push_back(k);
        ++c.reported;  // counted now, named by NameChanged()
        c.Explained();
      }
    }
  }
  if (stopped) return Status::Ok();
  for (const auto& [k, gh] : g) {
    if (capped()) return Status::Ok();
    if (s.count(k)) continue;
    c.one_sided.push_back({k, false, gh, c.chunk});
    ++c.reported;
  }
  return Status::Ok();
}

// A key found on one side only of a range may still be on the other side
// outside that range: when the servers order the key differently (another
// collation), their ranges hold different rows. Each such key is looked up
// by equality (which does not depend on the order) on the other side: absent
// is missing/extra, present with another row hash is changed, present and
// equal is no row difference at all.
Status ConfirmOneSided(Ctx& c) {
  const TableInfo& t = c.t;
  constexpr size_t kBatch = 100;
  for (size_t start = 0; start < c.one_sided.size(); start += kBatch) {
    size_t end = std::min(c.one_sided.size(), start + kBatch);
    // Lookups of keys the source has go to the target, and the other way round.
    Params ps, pt;
    std::string qs, qt;
    for (size_t i = start; i < end; ++i) {
      const OneSided& o = c.one_sided[i];
      Params& p = o.on_source ? pt : ps;
      std::string& q = o.on_source ? qt : qs;
      if (!q.empty()) q += " UNION ALL ";
      q += "SELECT " + std::to_string(i) + ", hashtextextended(" + RowTextExpr(t) + ", 0)::text" +
           From(t) + " WHERE " + KeyEquals(t, o.key, p);
    }
    std::map<size_t, std::string> other;  // index -> row hash on the other side
    auto run = [&](pg::Connection& conn, const std::string& q, const Params& p) -> Status {
      if (q.empty()) return Status::Ok();
      HK_ASSIGN_OR_RETURN(pg::QueryResult r, conn.Exec(q, p));
      for (int i = 0; i < r.rows(); ++i) other[static_cast<size_t>(r.Int(i, 0))] = r.Str(i, 1);
      return Status::Ok();
    };
    HK_RETURN_IF_ERROR(run(c.sp.src(), qs, ps));
    HK_RETURN_IF_ERROR(run(c.sp.tgt(), qt, pt));
    for (size_t i = start; i < end; ++i) {
      const OneSided& o = c.one_sided[i];
      c.chunk = o.chunk;
      auto it = other.find(i);
      if (it == other.end()) {
        Difference d;
        d.area = "data";
        d.object_type = "row";
        d.object = t.qualified;
        d.persistent = c.persistent;
        d.key = KeyText(t, o.key);
        d.kind = o.on_source ? "missing_on_target" : "extra_on_target";
        c.report.Add(std::move(d));
        c.Explained();
      } else if (it->second != o.hash) {
        // Counted once already; both sides' ranges may have listed it.
        if (std::find(c.changed.begin(), c.changed.end(), o.key) == c.changed.end()) {
          c.changed.push_back(o.key);
        } else {
          --c.reported;
        }
        c.Explained();
      } else {
        --c.reported;  // the same row, in another range on the other side
      }
    }
  }
  c.one_sided.clear();
  return Status::Ok();
}

// Reports the changed keys collected by NameRows with their differing
// columns, a few statements for all of them; values for the first few.
Status NameChanged(Ctx& c) {
  const TableInfo& t = c.t;
  const std::vector<KeyValue>& changed = c.changed;
  // Columns of the changed rows, in batches; values for the first few.
  constexpr size_t kColumnBatch = 32;
  for (size_t start = 0; start < changed.size(); start += kColumnBatch) {
    std::vector<KeyValue> batch(changed.begin() + static_cast<std::ptrdiff_t>(start),
                                changed.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                      changed.size(), start + kColumnBatch)));
    bool want_values = c.changed_values_fetched < kChangedValuesPerTable;
    HK_ASSIGN_OR_RETURN(auto cols, DifferingColumns(c, batch, want_values));
    for (size_t i = 0; i < batch.size(); ++i) {
      Difference d;
      d.area = "data";
      d.object_type = "row";
      d.object = t.qualified;
      d.persistent = c.persistent;
      d.key = KeyText(t, batch[i]);
      d.kind = "changed";
      d.columns = std::move(cols[i].columns);
      if (want_values && c.changed_values_fetched < kChangedValuesPerTable) {
        ++c.changed_values_fetched;
        d.source_value = std::move(cols[i].source);
        d.target_value = std::move(cols[i].target);
      }
      c.report.Add(std::move(d));
    }
  }
  c.changed.clear();
  return Status::Ok();
}

Status CompareRows(Ctx& c, const KeyRange& r) {
  HK_ASSIGN_OR_RETURN(auto rows, FetchRows(c, {r}));
  return NameRows(c, r, rows[0].first, rows[0].second);
}

// Split-and-rehash until a differing range is small, then compare its rows.
Status Localise(Ctx& c, const KeyRange& r, const Agg& a, const Agg& b) {
  if (c.reported >= c.o.max_diffs) {
    ReportRange(c, r, a, b);
    return Status::Ok();
  }
  if (std::max(a.n, b.n) <= c.o.leaf_rows) return CompareRows(c, r);
  pg::Connection& side = a.n >= b.n ? c.sp.src() : c.sp.tgt();
  int64_t n = std::max(a.n, b.n);
  Params p;
  std::string pred = RangePredicate(c.t, r, p);
  std::string sel;
  for (size_t i = 0; i < c.t.key_cols.size(); ++i) {
    sel += (i ? ", t." : "t.") + pg::QuoteIdent(c.t.key_cols[i]) + "::text";
  }
  HK_ASSIGN_OR_RETURN(pg::QueryResult m,
                      side.Exec("SELECT " + sel + From(c.t) + " WHERE " + pred + " ORDER BY " +
                                    KeyList(c.t) + " OFFSET " + std::to_string(n / 2) + " LIMIT 1",
                                p));
  if (m.rows() == 0) return CompareRows(c, r);
  KeyValue mid;
  for (int i = 0; i < m.cols(); ++i) mid.push_back(m.Str(0, i));
  for (const KeyRange& half : {KeyRange{r.lo, mid}, KeyRange{mid, r.hi}}) {
    HK_ASSIGN_OR_RETURN(auto h, HashRange(c, half));
    if (!(h.first == h.second)) HK_RETURN_IF_ERROR(Localise(c, half, h.first, h.second));
  }
  return Status::Ok();
}

void Sleep(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// How the first pass assigns rows to chunks: the bucket expression, its
// parameters, and the key range of each bucket.
struct Chunking {
  std::string expr = "0";
  Params params;
  int chunks = 1;
  std::vector<std::string> th;     ///< width_bucket thresholds (empty otherwise).
  std::optional<IntBuckets> ints;  ///< Arithmetic chunks of an integer key.
  KeyRange Range(int64_t b) const {
    if (ints) return IntBucketRange(*ints, b);
    KeyRange r;
    size_t i = static_cast<size_t>(b);
    if (i > 0 && i - 1 < th.size()) r.lo = KeyValue{th[i - 1]};
    if (i < th.size()) r.hi = KeyValue{th[i]};
    return r;
  }
};

// About est / chunk_rows chunks (at most 10,000); 0 when one chunk will do.
int64_t ChunkCount(const Ctx& c) {
  const TableInfo& t = c.t;
  double est = t.est_rows > 0 ? t.est_rows : static_cast<double>(t.est_bytes) / 100.0;
  if (est <= 2.0 * static_cast<double>(c.o.chunk_rows)) return 0;
  int64_t n = static_cast<int64_t>(std::ceil(est / static_cast<double>(c.o.chunk_rows)));
  return std::min<int64_t>(n, 10000);
}

// A single integer key: `key / width` from the key's min and max on the
// source (two index probes), unless --chunking width-bucket asks for the
// sampled thresholds.
Result<Chunking> PlanChunking(Ctx& c) {
  const TableInfo& t = c.t;
  Chunking ch;
  int64_t n = ChunkCount(c);
  if (n == 0 || t.key_cols.size() != 1) return ch;
  std::string key = "t." + pg::QuoteIdent(t.key_cols[0]);
  if (c.o.chunking != "width-bucket" && IsIntegerKeyType(t.key_types[0])) {
    HK_ASSIGN_OR_RETURN(pg::QueryResult r,
                        c.sp.src().Exec("SELECT min(" + key + ")::text, max(" + key + ")::text" +
                                        From(t)));
    if (r.rows() == 0 || r.IsNull(0, 0)) return ch;
    ch.ints = PlanIntBuckets(t.key_types[0], r.Str(0, 0), r.Str(0, 1), n);
    if (ch.ints) {
      ch.expr = IntBucketExpr(*ch.ints, key, 1);
      ch.params.push_back(std::to_string(ch.ints->width));
      ch.chunks = static_cast<int>(n);
      return ch;
    }
  }
  HK_ASSIGN_OR_RETURN(ch.th, Thresholds(c));
  if (ch.th.empty()) return ch;
  ch.expr = "width_bucket(" + key + ", $1::" + t.key_types[0] + "[])";
  ch.params.push_back(ArrayLiteral(ch.th));
  ch.chunks = static_cast<int>(ch.th.size()) + 1;
  return ch;
}

}  // namespace

Status ComparePkTable(SessionPair& sp, const TableInfo& t, const VerifyOptions& o,
                      VerifyReport& report, TableStats& stats) {
  Ctx c{sp, t, o, report};
  HK_RETURN_IF_ERROR(sp.Begin());
  HK_ASSIGN_OR_RETURN(Chunking ch, PlanChunking(c));
  // Flat query (no subquery fence) so the servers may use parallel workers.
  // The planner cannot estimate the number of buckets (it takes one group
  // per key): it would sort instead of hashing, hence enable_sort = off,
  // and it would not run the aggregate in parallel workers the way it does
  // for a plain count(*) of the table, hence no parallel set-up costs for
  // this one statement (the localisation queries after it keep the
  // server's settings).
  std::string sql = "SELECT " + ch.expr + " AS b, count(*), coalesce(sum(hashtextextended(" +
                    RowTextExpr(t) + ", 0)), 0)::text" + From(t) + " GROUP BY 1";
  const char* kFirstPassSettings =
      "SET LOCAL enable_sort = off; SET LOCAL parallel_setup_cost = 0; "
      "SET LOCAL parallel_tuple_cost = 0";
  const char* kAfterFirstPass =
      "SET LOCAL parallel_setup_cost TO DEFAULT; SET LOCAL parallel_tuple_cost TO DEFAULT";
  HK_RETURN_IF_ERROR(sp.src().Run(kFirstPassSettings));
  HK_RETURN_IF_ERROR(sp.tgt().Run(kFirstPassSettings));
  LogDebug("verify: {}: hashing {} chunk(s){}", t.qualified, ch.chunks,
           ch.ints ? fmt::format(" of {} keys", ch.ints->width) : std::string());
  HK_ASSIGN_OR_RETURN(auto res, sp.Both(sql, ch.params));
  LogDebug("verify: {}: hashed", t.qualified);
  HK_RETURN_IF_ERROR(sp.src().Run(kAfterFirstPass));
  HK_RETURN_IF_ERROR(sp.tgt().Run(kAfterFirstPass));
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
  stats.chunks = ch.chunks;
  // Differing chunks with the fingerprints last seen on each side.
  std::vector<std::pair<KeyRange, std::pair<Agg, Agg>>> diff;
  for (const auto& [b, ab] : buckets) {
    if (ab.first == ab.second) continue;
    diff.emplace_back(ch.Range(b), ab);
  }
  stats.differing_chunks = static_cast<int>(diff.size());
  // Live source: re-check differing chunks at fresh snapshots; keep what persists.
  for (int attempt = 0; attempt < o.retries && !diff.empty(); ++attempt) {
    LogDebug("verify: {}: {} differing chunk(s), re-check {} of {}", t.qualified, diff.size(),
             attempt + 1, o.retries);
    std::string before = sp.snapshot_ids();
    Sleep(o.retry_wait_ms);
    HK_RETURN_IF_ERROR(sp.Begin());
    if (sp.snapshot_ids() == before) {
      // Nothing was written on either server: a re-check would see the same
      // data, and nothing is being applied. The difference persists.
      LogDebug("verify: {}: no writes on either server since the last check", t.qualified);
      c.persistent = true;
      break;
    }
    std::vector<KeyRange> ranges;
    for (const auto& d : diff) ranges.push_back(d.first);
    HK_ASSIGN_OR_RETURN(auto hashes, HashRanges(c, ranges));
    std::vector<std::pair<KeyRange, std::pair<Agg, Agg>>> still;
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (!(hashes[i].first == hashes[i].second)) still.emplace_back(ranges[i], hashes[i]);
    }
    stats.transient_chunks += static_cast<int>(diff.size() - still.size());
    diff = std::move(still);
    c.persistent = true;
  }
  // Localise in the snapshot of the last check.
  if (!diff.empty()) LogDebug("verify: {}: localising {} chunk(s)", t.qualified, diff.size());
  // Chunks already small are fetched in batches; larger ones are bisected.
  constexpr size_t kRowBatch = 16;
  c.explained.assign(diff.size(), false);
  std::vector<KeyRange> small;
  std::vector<size_t> small_chunk;
  auto flush = [&]() -> Status {
    if (small.empty()) return Status::Ok();
    HK_ASSIGN_OR_RETURN(auto rows, FetchRows(c, small));
    for (size_t i = 0; i < small.size(); ++i) {
      c.chunk = small_chunk[i];
      if (c.reported >= o.max_diffs) {
        ReportRange(c, small[i], Agg{static_cast<int64_t>(rows[i].first.size())},
                    Agg{static_cast<int64_t>(rows[i].second.size())});
      } else {
        HK_RETURN_IF_ERROR(NameRows(c, small[i], rows[i].first, rows[i].second));
      }
    }
    small.clear();
    small_chunk.clear();
    return Status::Ok();
  };
  for (size_t i = 0; i < diff.size(); ++i) {
    const auto& d = diff[i];
    if (std::max(d.second.first.n, d.second.second.n) <= o.leaf_rows) {
      small.push_back(d.first);
      small_chunk.push_back(i);
      if (small.size() >= kRowBatch) HK_RETURN_IF_ERROR(flush());
    } else {
      c.chunk = i;
      HK_RETURN_IF_ERROR(Localise(c, d.first, d.second.first, d.second.second));
    }
  }
  HK_RETURN_IF_ERROR(flush());
  HK_RETURN_IF_ERROR(ConfirmOneSided(c));
  // A chunk whose fingerprints differ but in which no difference could be
  // named (the servers order the key differently, so the bucket found by
  // width_bucket and the range re-read by key do not hold the same rows) is
  // reported as a key range: never dropped.
  for (size_t i = 0; i < diff.size(); ++i) {
    if (c.explained[i]) continue;
    LogDebug("verify: {}: a differing chunk could not be localised", t.qualified);
    c.chunk = i;
    ReportRange(c, diff[i].first, diff[i].second.first, diff[i].second.second);
  }
  HK_RETURN_IF_ERROR(NameChanged(c));
  if (!diff.empty()) LogDebug("verify: {}: localised", t.qualified);
  return sp.End();
}

}  // namespace hk::verify
