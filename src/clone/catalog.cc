#include "clone/catalog.h"

#include <algorithm>
#include <map>

#include "pg/catalog/filter.h"
#include "pg/catalog/relations.h"
#include "pg/quote.h"

namespace hk::clone {

std::string TableInfo::Qualified() const { return pg::QualifiedName(nspname, relname); }

std::string TableInfo::SelectList() const {
  std::string s;
  for (const auto& c : columns) s += (s.empty() ? "" : ", ") + c;
  return s;
}

std::string TableInfo::CopyColumnList() const {
  return columns.empty() ? std::string() : "(" + SelectList() + ")";
}

Result<std::vector<TableInfo>> LoadTables(pg::Connection& src, const std::vector<int64_t>& oids) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult t, src.Exec(R"sql(
    SELECT c.oid, n.nspname, c.relname, pg_relation_size(c.oid),
           pg_relation_size(c.oid) / current_setting('block_size')::int
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = ANY($1::oid[]) AND c.relkind = 'r' AND )sql" +
                                                      pg::catalog::UserRelation(),
                                                  {OidArray(oids)}));
  HK_ASSIGN_OR_RETURN(auto cols, pg::catalog::ListColumns(src, oids));
  std::vector<TableInfo> out;
  for (int i = 0; i < t.rows(); ++i) {
    TableInfo ti;
    ti.oid = t.Int(i, 0);
    ti.nspname = t.Str(i, 1);
    ti.relname = t.Str(i, 2);
    ti.bytes = t.Int(i, 3);
    ti.pages = t.Int(i, 4);
    for (const auto& c : cols[ti.oid]) {
      if (c.generated) continue;  // the target computes it
      ti.columns.push_back(pg::QuoteIdent(c.name));
      if (!c.binary_ok) ti.binary_ok = false;
      if (c.text_required) ti.text_required = true;
    }
    out.push_back(std::move(ti));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const TableInfo& a, const TableInfo& b) { return a.bytes > b.bytes; });
  return out;
}

Result<std::vector<IndexInfo>> LoadIndexes(pg::Connection& src, const std::vector<int64_t>& table_oids) {
  // Indexes attached to a partitioned parent's index, exclusion constraints
  // and invalid indexes are left to pg_restore's post-data pass.
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, src.Exec(R"sql(
    SELECT i.indexrelid, i.indrelid, n.nspname, ic.relname, pg_get_indexdef(i.indexrelid),
           coalesce(con.oid, 0), coalesce(con.conname, ''), coalesce(con.contype::text, ''),
           coalesce(con.condeferrable, false), coalesce(con.condeferred, false),
           i.indisreplident, i.indisclustered, tn.nspname, tc.relname
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    JOIN pg_class tc ON tc.oid = i.indrelid
    JOIN pg_namespace tn ON tn.oid = tc.relnamespace
    LEFT JOIN pg_constraint con
      ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
    WHERE i.indrelid = ANY($1::oid[]) AND i.indisvalid AND i.indislive
      AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
      AND (con.oid IS NULL OR con.contype IN ('p', 'u'))
    ORDER BY i.indrelid, con.contype NULLS LAST, i.indexrelid)sql",
                                                  {OidArray(table_oids)}));
  std::vector<IndexInfo> out;
  for (int i = 0; i < r.rows(); ++i) {
    IndexInfo x;
    x.index_oid = r.Int(i, 0);
    x.table_oid = r.Int(i, 1);
    x.nspname = r.Str(i, 2);
    x.name = r.Str(i, 3);
    x.definition = r.Str(i, 4);
    x.constraint_oid = r.Int(i, 5);
    x.conname = r.Str(i, 6);
    x.contype = r.Get(i, 7).empty() ? 0 : r.Get(i, 7)[0];
    x.deferrable = r.Bool(i, 8);
    x.deferred = r.Bool(i, 9);
    x.replica_identity = r.Bool(i, 10);
    x.clustered = r.Bool(i, 11);
    x.table_qualified = pg::QualifiedName(r.Get(i, 12), r.Get(i, 13));
    out.push_back(std::move(x));
  }
  return out;
}

std::string IndexCreateSql(const IndexInfo& ix) { return ix.definition; }

std::string IndexAttachSql(const IndexInfo& ix) {
  std::string sql;
  std::string idx = pg::QuoteIdent(ix.name);
  if (ix.constraint_oid != 0) {
    sql += " ALTER TABLE " + ix.table_qualified + " ADD CONSTRAINT " + pg::QuoteIdent(ix.conname) +
           (ix.contype == 'p' ? " PRIMARY KEY" : " UNIQUE") + " USING INDEX " + idx;
    if (ix.deferrable) sql += ix.deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
    sql += ";";
  }
  if (ix.replica_identity)
    sql += " ALTER TABLE " + ix.table_qualified + " REPLICA IDENTITY USING INDEX " + idx + ";";
  if (ix.clustered) sql += " ALTER TABLE " + ix.table_qualified + " CLUSTER ON " + idx + ";";
  return sql;
}

}  // namespace hk::clone
