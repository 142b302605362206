// Pure helpers that build verify's SQL text and parse its answers. No
// connection needed; unit-tested in tests/unit/verify_sql_test.cc.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hk::verify {

/// A table to compare, as seen on the source.
struct TableInfo {
  std::string qualified;  ///< regclass text with search_path '' (e.g. public.users).
  std::string schema, name;
  char relkind = 'r';
  std::vector<std::string> columns;    ///< Sorted by name (byte order), not attnum.
  std::vector<std::string> key_cols;   ///< Primary key columns in key order; empty = no PK.
  std::vector<std::string> key_types;  ///< format_type(atttypid, NULL) of each key column.
  bool populated = true;               ///< Materialized views: WITH DATA.
  double est_rows = 0;
  int64_t est_bytes = 0;  ///< pg_table_size (heap and TOAST).
};

/// One bound of a key range: the text form of each key column.
using KeyValue = std::vector<std::string>;

/// [lo, hi) in key order; a missing bound is unbounded.
struct KeyRange {
  std::optional<KeyValue> lo, hi;
};

/// `ROW(t."a", t."b")::text` over the columns in the given order.
std::string RowTextExpr(const TableInfo& t);

/// `t."k1", t."k2"` for ORDER BY / SELECT.
std::string KeyList(const TableInfo& t);

/// A WHERE condition for the range with parameters appended to params
/// (numbered from params.size()+1). "true" for an unbounded range.
std::string RangePredicate(const TableInfo& t, const KeyRange& r,
                           std::vector<std::optional<std::string>>& params);

/// A PostgreSQL array literal '{"a","b"}' of the given element texts.
std::string ArrayLiteral(const std::vector<std::string>& elems);

/// Parses '{1,-2,NULL}' (an array of integers as text); NULL becomes nullopt.
std::vector<std::optional<std::string>> ParseSimpleArray(const std::string& text);

/// "id=42" or "a=1, b=x" for reports.
std::string KeyText(const TableInfo& t, const KeyValue& k);

/// s cut to at most max bytes at a UTF-8 character boundary, with
/// "… (N bytes)" appended when cut.
std::string Truncate(const std::string& s, size_t max);

/// Glob match of a table against --include/--exclude patterns: a pattern
/// with a dot matches schema.table, one without matches the table name.
bool TableSelected(const std::string& qualified, const std::string& name,
                   const std::vector<std::string>& include,
                   const std::vector<std::string>& exclude);

}  // namespace hk::verify
