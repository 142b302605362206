#include "verify/report.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/exit_codes.h"
#include "common/human.h"
#include "verify/sql_text.h"

namespace hk::verify {
namespace {

constexpr size_t kMaxJsonText = 4096;

int AreaRank(const std::string& a) {
  if (a == "schema") return 0;
  if (a == "data") return 1;
  if (a == "large_object") return 2;
  return 3;
}

std::string Shorten(const std::string& s, size_t max = 120) { return Truncate(s, max); }

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

nlohmann::json Difference::ToJson() const {
  nlohmann::json j = {
      {"area", area}, {"object_type", object_type}, {"object", object},
      {"kind", kind}, {"persistent", persistent},   {"informational", informational}};
  // Long values are cut (at a character boundary): reports stay readable and
  // Scrub()'s regular expressions stay within the stack.
  j["key"] = key.empty() ? nlohmann::json(nullptr) : nlohmann::json(Truncate(key, kMaxJsonText));
  j["columns"] = columns;
  j["source"] = source_value ? nlohmann::json(Truncate(*source_value, kMaxJsonText))
                             : nlohmann::json(nullptr);
  j["target"] = target_value ? nlohmann::json(Truncate(*target_value, kMaxJsonText))
                             : nlohmann::json(nullptr);
  if (source_count || target_count) {
    j["source_count"] = source_count;
    j["target_count"] = target_count;
  } else {
    j["source_count"] = nullptr;
    j["target_count"] = nullptr;
  }
  return j;
}

std::string Difference::ToText() const {
  std::string s = fmt::format("{} {}: {}", object_type, object, kind);
  if (!key.empty()) s += fmt::format(" [{}]", Shorten(OneLine(key)));
  if (!columns.empty()) {
    s += " columns:";
    for (size_t i = 0; i < columns.size(); ++i) s += (i ? ", " : " ") + columns[i];
  }
  if (source_count || target_count) {
    s += fmt::format(" (source {} rows, target {} rows)", source_count, target_count);
  }
  if (source_value || target_value) {
    s += fmt::format("\n      source: {}\n      target: {}",
                     source_value ? Shorten(OneLine(*source_value)) : "(none)",
                     target_value ? Shorten(OneLine(*target_value)) : "(none)");
  }
  if (persistent) s += "  [persistent]";
  if (informational) s += "  [informational]";
  return s;
}

VerifyReport::VerifyReport(VerifyReport&& o) noexcept
    : source_url(std::move(o.source_url)),
      target_url(std::move(o.target_url)),
      elapsed_s(o.elapsed_s),
      max_diffs(o.max_diffs),
      diffs_(std::move(o.diffs_)),
      tables_(std::move(o.tables_)),
      schema_objects_(o.schema_objects_),
      large_objects_(o.large_objects_) {}

namespace {

// Report order: real differences before informational ones, by area, object,
// named rows before unlocalised ranges and buckets, then key.
bool ReportOrder(const Difference& a, const Difference& b) {
  if (a.informational != b.informational) return !a.informational;
  if (AreaRank(a.area) != AreaRank(b.area)) return AreaRank(a.area) < AreaRank(b.area);
  if (a.object != b.object) return a.object < b.object;
  bool ar = a.object_type == "key_range" || a.object_type == "hash_bucket";
  bool br = b.object_type == "key_range" || b.object_type == "hash_bucket";
  if (ar != br) return br;
  if (a.object_type != b.object_type) return a.object_type < b.object_type;
  return a.key < b.key;
}

}  // namespace

void VerifyReport::Add(Difference d) {
  std::lock_guard<std::mutex> l(mu_);
  // Appended; sorted once when read (it was a sort of the whole list per
  // difference: quadratic for a badly diverged table).
  diffs_.push_back(std::move(d));
  sorted_ = false;
}

void VerifyReport::SortLocked() const {
  if (sorted_) return;
  std::stable_sort(diffs_.begin(), diffs_.end(), ReportOrder);
  sorted_ = true;
}

const std::vector<Difference>& VerifyReport::differences() const {
  std::lock_guard<std::mutex> l(mu_);
  SortLocked();
  return diffs_;
}

void VerifyReport::AddTable(TableStats t) {
  std::lock_guard<std::mutex> l(mu_);
  tables_.push_back(std::move(t));
  std::sort(tables_.begin(), tables_.end(),
            [](const TableStats& a, const TableStats& b) { return a.table < b.table; });
}

int64_t VerifyReport::DifferenceCount() const {
  std::lock_guard<std::mutex> l(mu_);
  return std::count_if(diffs_.begin(), diffs_.end(),
                       [](const Difference& d) { return !d.informational; });
}

int64_t VerifyReport::InformationalCount() const {
  std::lock_guard<std::mutex> l(mu_);
  return std::count_if(diffs_.begin(), diffs_.end(),
                       [](const Difference& d) { return d.informational; });
}

int VerifyReport::ExitCode() const { return Identical() ? kExitOk : kExitWarnings; }

nlohmann::json VerifyReport::ToJson() const {
  int64_t n_diff = DifferenceCount(), n_info = InformationalCount();
  std::lock_guard<std::mutex> l(mu_);
  SortLocked();
  int64_t rows_s = 0, rows_t = 0, bytes = 0, transient = 0;
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : tables_) {
    rows_s += t.source_rows;
    rows_t += t.target_rows;
    bytes += t.bytes;
    transient += t.transient_chunks;
    tables.push_back({{"table", t.table},
                      {"method", t.method},
                      {"source_rows", t.source_rows},
                      {"target_rows", t.target_rows},
                      {"table_bytes", t.bytes},
                      {"chunks", t.chunks},
                      {"differing_chunks", t.differing_chunks},
                      {"transient_chunks", t.transient_chunks},
                      {"seconds", t.seconds}});
  }
  nlohmann::json diffs = nlohmann::json::array();
  for (size_t i = 0; i < diffs_.size() && static_cast<int>(i) < max_diffs; ++i) {
    diffs.push_back(diffs_[i].ToJson());
  }
  int64_t listed = static_cast<int64_t>(diffs.size());
  return {{"schema_version", 1},
          {"identical", n_diff == 0},
          {"source", source_url},
          {"target", target_url},
          {"summary",
           {{"tables_checked", tables_.size()},
            {"schema_objects_compared", schema_objects_},
            {"large_objects_checked", large_objects_},
            {"source_rows", rows_s},
            {"target_rows", rows_t},
            {"table_bytes", bytes},
            {"transient_chunks", transient},
            {"elapsed_seconds", elapsed_s},
            {"differences", n_diff},
            {"informational", n_info},
            {"listed", listed},
            {"not_listed", static_cast<int64_t>(diffs_.size()) - listed}}},
          {"tables", tables},
          {"differences", diffs}};
}

std::string VerifyReport::ToText() const {
  int64_t n_diff = DifferenceCount(), n_info = InformationalCount();
  std::lock_guard<std::mutex> l(mu_);
  SortLocked();
  int64_t rows_s = 0, rows_t = 0, bytes = 0, transient = 0;
  for (const auto& t : tables_) {
    rows_s += t.source_rows;
    rows_t += t.target_rows;
    bytes += t.bytes;
    transient += t.transient_chunks;
  }
  std::string s = fmt::format("verify {} -> {}\n", source_url, target_url);
  s += fmt::format(
      "  {} tables checked ({} read on the source), {} schema objects, {} large objects; rows "
      "hashed: {} source, {} target; {:.1f} s\n",
      tables_.size(), HumanBytes(bytes), schema_objects_, large_objects_, rows_s, rows_t,
      elapsed_s);
  if (transient > 0) {
    s += fmt::format("  {} chunk(s) differed at first and matched on re-check (source is live)\n",
                     transient);
  }
  size_t shown = 0;
  for (const auto& d : diffs_) {
    if (static_cast<int>(shown) >= max_diffs) break;
    s += "  - " + d.ToText() + "\n";
    ++shown;
  }
  if (shown < diffs_.size()) {
    s += fmt::format("  ... and {} more (raise --max-diffs to list them)\n", diffs_.size() - shown);
  }
  if (n_diff == 0) {
    s += n_info ? fmt::format("IDENTICAL (with {} informational note(s))\n", n_info)
                : std::string("IDENTICAL\n");
  } else {
    s += fmt::format("DIFFERENT: {} difference(s){}\n", n_diff,
                     n_info ? fmt::format(", {} informational", n_info) : std::string());
  }
  return s;
}

}  // namespace hk::verify
