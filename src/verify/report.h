// What verify found: counters and a list of differences, rendered as text or
// as JSON (schema documented in docs/verify.md; keep them in step).
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hk::verify {

/// One difference between source and target.
struct Difference {
  std::string area;         ///< "schema", "data", "large_object", "matview_data".
  std::string object_type;  ///< "table", "column", "index", "row", "key_range", "sequence_value"...
  std::string object;       ///< Qualified object name (for rows: the table).
  std::string kind;         ///< "missing_on_target", "extra_on_target", "changed", "target_behind".
  std::string key;          ///< Rows: "id=42" (composite: "a=1, b=2"); no-PK rows: the row text.
  std::vector<std::string> columns;  ///< Rows of kind "changed": the columns that differ.
  std::optional<std::string> source_value, target_value;
  int64_t source_count = 0, target_count = 0;  ///< Multiset rows and key ranges: row counts.
  bool persistent = false;     ///< Still present after the re-checks at fresh snapshots.
  bool informational = false;  ///< Does not make the run fail (matview contents).

  nlohmann::json ToJson() const;
  std::string ToText() const;
};

struct TableStats {
  std::string table;
  std::string method;  ///< "pk", "multiset", "matview", "skipped".
  int64_t source_rows = 0, target_rows = 0;
  int64_t bytes = 0;  ///< pg_table_size of the table on the source (what was read).
  int chunks = 0, differing_chunks = 0, transient_chunks = 0;
  double seconds = 0;
};

/// Thread-safe collector; RunVerify owns one.
class VerifyReport {
 public:
  VerifyReport() = default;
  VerifyReport(VerifyReport&& o) noexcept;

  void Add(Difference d);
  void AddTable(TableStats t);
  void AddSchemaObjects(int64_t n) { schema_objects_ += n; }
  void SetLargeObjects(int64_t n) { large_objects_ = n; }

  std::string source_url, target_url;
  double elapsed_s = 0;
  int max_diffs = 100;

  int64_t DifferenceCount() const;  ///< Non-informational differences.
  int64_t InformationalCount() const;
  bool Identical() const { return DifferenceCount() == 0; }
  int ExitCode() const;  ///< 0 identical, 1 differences.
  /// In report order (sorted once, on first read after an Add).
  const std::vector<Difference>& differences() const;
  const std::vector<TableStats>& tables() const { return tables_; }

  nlohmann::json ToJson() const;
  std::string ToText() const;

 private:
  void SortLocked() const;
  mutable std::mutex mu_;
  mutable std::vector<Difference> diffs_;  ///< Arrival order until SortLocked().
  mutable bool sorted_ = true;
  std::vector<TableStats> tables_;
  int64_t schema_objects_ = 0, large_objects_ = 0;
};

}  // namespace hk::verify
