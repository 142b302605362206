#include "pg/catalog/relations.h"

#include "pg/catalog/binary_types.h"
#include "pg/catalog/filter.h"
#include "pg/quote.h"

namespace hk::pg::catalog {
namespace {

constexpr const char* kRelationColumns =
    "SELECT c.oid, n.nspname, c.relname, c.relkind::text, c.relispartition,"
    " c.relpersistence = 'u', c.relispopulated"
    " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace";

Result<std::vector<Relation>> Read(Connection& c, const std::string& where,
                                   const std::vector<Param>& params) {
  HK_ASSIGN_OR_RETURN(QueryResult r, c.Exec(std::string(kRelationColumns) + " WHERE " + where +
                                                " ORDER BY n.nspname, c.relname",
                                            params));
  std::vector<Relation> out;
  for (int i = 0; i < r.rows(); ++i) {
    Relation rel;
    rel.oid = r.Int(i, 0);
    rel.schema = r.Str(i, 1);
    rel.name = r.Str(i, 2);
    rel.kind = r.Get(i, 3).empty() ? 'r' : r.Get(i, 3)[0];
    rel.partition = r.Bool(i, 4);
    rel.unlogged = r.Bool(i, 5);
    rel.populated = r.Bool(i, 6);
    out.push_back(std::move(rel));
  }
  return out;
}

}  // namespace

std::string Relation::Qualified() const { return QualifiedName(schema, name); }

std::string OidArray(const std::vector<int64_t>& oids) {
  std::string s = "{";
  for (size_t i = 0; i < oids.size(); ++i) s += (i ? "," : "") + std::to_string(oids[i]);
  return s + "}";
}

Result<std::vector<Relation>> ListRelations(Connection& c, std::string_view kinds) {
  return Read(c, "strpos($1, c.relkind::text) > 0 AND " + UserRelation(), {std::string(kinds)});
}

Result<std::vector<Relation>> ListPublishableTables(Connection& c) {
  return Read(c, PublishableTable(), {});
}

Result<std::vector<Relation>> ListSequences(Connection& c) { return ListRelations(c, "S"); }

Result<std::map<int64_t, std::vector<Column>>> ListColumns(Connection& c,
                                                           const std::vector<int64_t>& oids) {
  // Each column's type resolved through domains and array elements
  // (binary_types.h decides binary vs text from the chain).
  HK_ASSIGN_OR_RETURN(QueryResult cols, c.Exec(R"sql(
    WITH RECURSIVE walk(attrelid, attnum, typ, depth, via) AS (
      SELECT a.attrelid, a.attnum, a.atttypid, 0, ''
      FROM pg_attribute a
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      UNION ALL
      SELECT w.attrelid, w.attnum, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.typelem END,
             w.depth + 1, CASE WHEN t.typtype = 'd' THEN 'd' ELSE 'a' END
      FROM walk w JOIN pg_type t ON t.oid = w.typ
      WHERE w.depth < 16
        AND (t.typtype = 'd' OR (t.typelem <> 0 AND EXISTS (
              SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid))))
    SELECT w.attrelid, w.attnum, a.attname, w.via, t.oid < 16384 AND t.typnamespace = 'pg_catalog'::regnamespace,
           t.typname, a.attgenerated <> ''
    FROM walk w
    JOIN pg_attribute a ON a.attrelid = w.attrelid AND a.attnum = w.attnum
    JOIN pg_type t ON t.oid = w.typ
    ORDER BY w.attrelid, w.attnum, w.depth)sql",
                                               {OidArray(oids)}));
  struct Walked {
    Column col;
    std::vector<TypeStep> steps;
  };
  std::map<int64_t, std::map<int, Walked>> by_table;  // attrelid -> attnum -> column
  for (int i = 0; i < cols.rows(); ++i) {
    Walked& w = by_table[cols.Int(i, 0)][static_cast<int>(cols.Int(i, 1))];
    w.col.attnum = static_cast<int>(cols.Int(i, 1));
    w.col.name = cols.Str(i, 2);
    w.col.generated = cols.Bool(i, 6);
    std::string via = cols.Str(i, 3);
    w.steps.push_back(TypeStep{via.empty() ? '\0' : via[0], cols.Bool(i, 4), cols.Str(i, 5)});
  }
  std::map<int64_t, std::vector<Column>> out;
  for (auto& [rel, by_attnum] : by_table) {
    auto& list = out[rel];
    for (auto& [attnum, w] : by_attnum) {
      w.col.binary_ok = BinarySafe(w.steps);
      w.col.text_required = TextRequired(w.steps);
      list.push_back(std::move(w.col));
    }
  }
  return out;
}

}  // namespace hk::pg::catalog
