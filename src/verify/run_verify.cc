#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "common/log.h"
#include "common/retry.h"
#include "pg/quote.h"
#include "verify/large_objects.h"
#include "verify/progress.h"
#include "verify/schema_compare.h"
#include "verify/session.h"
#include "verify/table_compare.h"
#include "verify/tables.h"
#include "verify/verify.h"

namespace hk::verify {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

Result<SessionPair> OpenPair(const VerifyOptions& o) {
  HK_ASSIGN_OR_RETURN(pg::Connection s, OpenSession(o.source, "hikkoshi verify"));
  HK_ASSIGN_OR_RETURN(pg::Connection t, OpenSession(o.target, "hikkoshi verify"));
  return SessionPair(std::move(s), std::move(t));
}

struct Work {
  TableInfo table;  ///< Columns restricted to those both sides have.
  std::string method;
};

// quote_ident()'s spelling for the usual names (lower case, digits, _), so a
// column is named as the schema comparison names it.
std::string IdentText(const std::string& name) {
  bool plain =
      !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char ch : name) {
    auto u = static_cast<unsigned char>(ch);
    plain = plain && (std::islower(u) || std::isdigit(u) || ch == '_');
  }
  return plain ? name : pg::QuoteIdent(name);
}

// A column that exists on one side only (found while planning --data-only).
Difference ColumnDifference(const TableInfo& t, const std::string& column, const char* kind) {
  Difference d;
  d.area = "data";
  d.object_type = "column";
  d.object = t.qualified + "." + IdentText(column);
  d.kind = kind;
  return d;
}

// Decides how each selected table is compared; reports what cannot be.
std::vector<Work> Plan(const std::vector<TableInfo>& src, const std::vector<TableInfo>& tgt,
                       const VerifyOptions& o, VerifyReport& report) {
  std::map<std::string, const TableInfo*> by_name;
  for (const auto& t : tgt) by_name[t.qualified] = &t;
  std::vector<Work> work;
  for (const auto& s : src) {
    if (!TableSelected(s.qualified, s.name, o.include, o.exclude)) continue;
    auto it = by_name.find(s.qualified);
    if (it == by_name.end() || it->second->relkind != s.relkind) {
      if (!o.schema) {  // otherwise the schema comparison already names it
        Difference d;
        d.area = "data";
        d.object_type = s.relkind == 'm' ? "materialized view" : "table";
        d.object = s.qualified;
        d.kind = "missing_on_target";
        report.Add(std::move(d));
      }
      continue;
    }
    const TableInfo& t = *it->second;
    Work w{s, ""};
    std::set<std::string> tcols(t.columns.begin(), t.columns.end());
    std::set<std::string> scols(s.columns.begin(), s.columns.end());
    w.table.columns.clear();
    for (const auto& c : s.columns) {
      if (tcols.count(c)) w.table.columns.push_back(c);
    }
    // The rows are compared on the columns both sides have; a column on one
    // side only is a difference in every mode (the schema comparison names
    // it, so only without it: --data-only).
    if (!o.schema) {
      for (const auto& c : s.columns) {
        if (!tcols.count(c)) report.Add(ColumnDifference(s, c, "missing_on_target"));
      }
      for (const auto& c : t.columns) {
        if (!scols.count(c)) report.Add(ColumnDifference(s, c, "extra_on_target"));
      }
    }
    if (s.relkind == 'm') {
      w.method = "matview";
      if (!s.populated || !t.populated) {
        Difference d;
        d.area = "matview_data";
        d.object_type = "materialized view";
        d.object = s.qualified;
        d.kind = "changed";
        d.source_value = s.populated ? "populated" : "not populated";
        d.target_value = t.populated ? "populated" : "not populated";
        d.informational = true;
        report.Add(std::move(d));
        if (!s.populated || !t.populated) continue;
      }
    } else if (!s.key_cols.empty() && s.key_cols == t.key_cols) {
      w.method = "pk";
    } else {
      // No primary key (or a different one on the target): compare as multisets.
      w.method = "multiset";
      w.table.key_cols.clear();
      w.table.key_types.clear();
    }
    work.push_back(std::move(w));
  }
  if (!o.schema) {  // otherwise the schema comparison names extra tables
    std::set<std::string> in_source;
    for (const auto& s : src) in_source.insert(s.qualified);
    for (const auto& t : tgt) {
      if (in_source.count(t.qualified) ||
          !TableSelected(t.qualified, t.name, o.include, o.exclude)) {
        continue;
      }
      Difference d;
      d.area = "data";
      d.object_type = t.relkind == 'm' ? "materialized view" : "table";
      d.object = t.qualified;
      d.kind = "extra_on_target";
      report.Add(std::move(d));
    }
  }
  return work;
}

// --include patterns must each select a relation on one side at least, and
// include and exclude together must leave one: a filter that selects nothing
// (a typo) would otherwise "prove" an empty set identical.
Status CheckFilters(SessionPair& main, const VerifyOptions& o) {
  if (o.include.empty()) return Status::Ok();
  HK_RETURN_IF_ERROR(main.Begin());
  HK_ASSIGN_OR_RETURN(auto rels, ListRelationNames(main.src()));
  auto t = ListRelationNames(main.tgt());
  if (!t.ok()) return t.TakeError().Context("on the target");
  HK_RETURN_IF_ERROR(main.End());
  rels.insert(rels.end(), t->begin(), t->end());
  for (const auto& pattern : o.include) {
    bool any = false;
    for (const auto& [qualified, name] : rels) {
      any = any || TableSelected(qualified, name, {pattern}, {});
    }
    if (!any) {
      return MakeError(ErrorKind::kBadInput,
                       "--include '" + pattern + "' matches no table on the source or the target",
                       "a pattern with a dot matches schema.table, one without the table name "
                       "(globs: * ? [...]); check the spelling");
    }
  }
  for (const auto& [qualified, name] : rels) {
    if (TableSelected(qualified, name, o.include, o.exclude)) return Status::Ok();
  }
  std::string filters;
  for (const auto& p : o.include) filters += " --include '" + p + "'";
  for (const auto& p : o.exclude) filters += " --exclude '" + p + "'";
  return MakeError(ErrorKind::kBadInput, "the filters" + filters + " select no table",
                   "loosen --exclude or change --include");
}

}  // namespace

namespace {

Result<VerifyReport> RunVerifyOnce(const VerifyOptions& o, bool& contacted) {
  auto start = Clock::now();
  VerifyReport report;
  report.source_url = o.source.Redacted();
  report.target_url = o.target.Redacted();
  report.max_diffs = o.max_diffs;
  HK_ASSIGN_OR_RETURN(SessionPair main, OpenPair(o));
  contacted = true;
  {
    // A database compared with itself is always "identical": refuse (exit 2),
    // whatever spelling of the host (localhost, 127.0.0.1, a keyword string).
    const char* q =
        "SELECT concat_ws('/', current_database(), pg_postmaster_start_time(), "
        "current_setting('port'), current_setting('data_directory', true))";
    HK_ASSIGN_OR_RETURN(std::string a, main.src().QueryValue(q));
    HK_ASSIGN_OR_RETURN(std::string b, main.tgt().QueryValue(q));
    if (a == b) {
      return BlockedError("the source and the target are the same database",
                          "point --target at the copy to compare");
    }
  }
  HK_RETURN_IF_ERROR(CheckFilters(main, o));

  if (o.schema) {
    HK_RETURN_IF_ERROR(main.Begin());
    HK_ASSIGN_OR_RETURN(SchemaSnapshot s, ReadSchema(main.src()));
    auto t = ReadSchema(main.tgt());
    if (!t.ok()) return t.TakeError().Context("on the target");
    HK_RETURN_IF_ERROR(main.End());
    report.AddSchemaObjects(CompareSchema(s, *t, o, report));
    LogDebug("verify: schema compared ({} objects)", s.size());
  }

  if (o.data) {
    HK_RETURN_IF_ERROR(main.Begin());
    HK_ASSIGN_OR_RETURN(std::vector<TableInfo> src_tables, ListTables(main.src()));
    auto tgt_tables = ListTables(main.tgt());
    if (!tgt_tables.ok()) return tgt_tables.TakeError().Context("on the target");
    HK_RETURN_IF_ERROR(main.End());
    std::vector<Work> work = Plan(src_tables, *tgt_tables, o, report);

    int64_t bytes_total = 0;
    for (const Work& w : work) bytes_total += w.table.est_bytes;
    Progress progress(o.progress_tty, o.progress_log, work.size(), bytes_total,
                      report.DifferenceCount(), o.on_progress);
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex err_mu;
    std::optional<Error> first_error;
    auto fail = [&](Error e) {
      std::lock_guard<std::mutex> l(err_mu);
      if (!first_error) first_error = std::move(e);
      failed = true;
    };
    auto worker = [&]() {
      RetryBudget budget(o.retry_for_ms, o.stop, "verify");
      auto pair = OpenPair(o);
      while (!pair.ok()) {
        Error e = pair.TakeError();
        if (failed || !budget.Wait(e, true)) return fail(std::move(e));
        pair = OpenPair(o);
      }
      while (!failed) {
        size_t i = next++;
        if (i >= work.size()) break;
        const Work& w = work[i];
        progress.TableStarted(w.table.qualified);
        for (;;) {
          TableStats st;
          st.table = w.table.qualified;
          st.method = w.method;
          st.bytes = w.table.est_bytes;
          auto t0 = Clock::now();
          // The table's differences go into the report only once it was
          // compared whole: a comparison cut by a lost connection is redone
          // from the start at a fresh snapshot, and names nothing twice.
          VerifyReport mine;
          mine.max_diffs = report.max_diffs;
          Status s = w.method == "pk"
                         ? ComparePkTable(*pair, w.table, o, mine, st)
                         : CompareMultiset(*pair, w.table, o, mine, st, w.method == "matview");
          if (!s.ok()) {
            Error e = s.TakeError().Context("comparing " + w.table.qualified);
            if (failed || !budget.Wait(e, true)) return fail(std::move(e));
            pair = OpenPair(o);
            while (!pair.ok()) {
              Error ce = pair.TakeError();
              if (failed || !budget.Wait(ce, true)) return fail(std::move(ce));
              pair = OpenPair(o);
            }
            continue;
          }
          budget.Progressed();
          st.seconds = Since(t0);
          int64_t found = 0;
          for (const auto& d : mine.differences()) {
            report.Add(d);
            found += d.informational ? 0 : 1;
          }
          progress.TableDone(st, found);
          report.AddTable(std::move(st));
          break;
        }
      }
    };
    int n = std::max(1, std::min<int>(o.jobs, static_cast<int>(work.size())));
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) threads.emplace_back(worker);
    // Large objects on the main connections, while the workers hash tables.
    auto los = CompareLargeObjects(main, report);
    for (auto& t : threads) t.join();
    progress.Finish(!first_error && los.ok());
    if (first_error) return *first_error;
    if (!los.ok()) return los.TakeError().Context("comparing large objects");
    report.SetLargeObjects(*los);
  }
  report.elapsed_s = Since(start);
  return report;
}

}  // namespace

Result<VerifyReport> RunVerify(const VerifyOptions& o) {
  // Table comparisons retry by themselves; a lost connection elsewhere (the
  // schema comparison, the table lists, large objects) redoes the run, which
  // reads only the catalogs before the tables.
  RetryBudget budget(o.retry_for_ms, o.stop, "verify");
  bool contacted = false;
  for (;;) {
    auto r = RunVerifyOnce(o, contacted);
    if (r.ok()) return r;
    Error e = r.TakeError();
    if (!budget.Wait(e, contacted)) return e;
  }
}

}  // namespace hk::verify
