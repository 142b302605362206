#include "verify/tables.h"

#include <algorithm>
#include <map>

#include "pg/catalog/filter.h"

namespace hk::verify {

namespace {

constexpr const char* kTablesSql = R"SQL(
SELECT c.oid::regclass::text, n.nspname, c.relname, c.relkind::text, c.relispopulated,
       c.reltuples::float8, pg_table_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND )SQL";

constexpr const char* kRelationNamesSql = R"SQL(
SELECT c.oid::regclass::text, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND )SQL";

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> ListRelationNames(pg::Connection& c) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(kRelationNamesSql + pg::catalog::UserRelation()));
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.Str(i, 0), r.Str(i, 1));
  return out;
}

Result<std::vector<TableInfo>> ListTables(pg::Connection& c) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(kTablesSql + pg::catalog::UserRelation()));
  std::vector<TableInfo> out;
  // Column names (sorted by name, byte order) and primary key columns (key order).
  HK_ASSIGN_OR_RETURN(
      pg::QueryResult names,
      c.Exec("SELECT * FROM (SELECT c.oid::regclass::text AS rel, a.attname::text AS col, 'c' AS "
             "what, 0::bigint AS ord "
             "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
             "WHERE c.relkind IN ('r', 'm') AND a.attnum > 0 AND NOT a.attisdropped "
             "UNION ALL "
             "SELECT c.oid::regclass::text, a.attname::text, 'k', k.ord "
             "FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary, "
             "unnest(i.indkey) WITH ORDINALITY k(attnum, ord), pg_attribute a "
             "WHERE a.attrelid = c.oid AND a.attnum = k.attnum "
             ") u ORDER BY rel, what, ord, col COLLATE \"C\""));
  std::map<std::string, std::vector<std::string>> cols, keys;
  for (int i = 0; i < names.rows(); ++i) {
    (names.Str(i, 2) == "c" ? cols : keys)[names.Str(i, 0)].push_back(names.Str(i, 1));
  }
  for (int i = 0; i < r.rows(); ++i) {
    TableInfo t;
    t.qualified = r.Str(i, 0);
    t.schema = r.Str(i, 1);
    t.name = r.Str(i, 2);
    t.relkind = r.Get(i, 3).empty() ? 'r' : r.Get(i, 3)[0];
    t.populated = r.Bool(i, 4);
    t.est_rows = r.Double(i, 5);
    t.est_bytes = r.Int(i, 6);
    t.columns = cols[t.qualified];
    t.key_cols = keys[t.qualified];
    out.push_back(std::move(t));
  }
  HK_ASSIGN_OR_RETURN(
      pg::QueryResult types,
      c.Exec("SELECT c.oid::regclass::text, format_type(a.atttypid, NULL) "
             "FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary, "
             "unnest(i.indkey) WITH ORDINALITY k(attnum, ord), pg_attribute a "
             "WHERE a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY 1, k.ord"));
  std::map<std::string, std::vector<std::string>> ktypes;
  for (int i = 0; i < types.rows(); ++i) ktypes[types.Str(i, 0)].push_back(types.Str(i, 1));
  for (auto& t : out) t.key_types = ktypes[t.qualified];
  std::sort(out.begin(), out.end(), [](const TableInfo& a, const TableInfo& b) {
    if (a.est_bytes != b.est_bytes) return a.est_bytes > b.est_bytes;
    return a.qualified < b.qualified;
  });
  return out;
}

}  // namespace hk::verify
