#include "cdc/target_table.h"

#include <fmt/format.h>

#include "common/log.h"
#include "pg/quote.h"

namespace hk::cdc {
namespace {

constexpr uint32_t kFirstNormalObjectId = 16384;

constexpr const char* kColumnsSql = R"SQL(
SELECT a.attname, a.atttypid, a.atttypmod, format('%s.%s', tn.nspname, t.typname),
       EXISTS (SELECT 1 FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod
               WHERE oc.opcdefault AND am.amname IN ('btree', 'hash')
                 AND oc.opcintype = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END),
       a.attidentity = 'a',
       (WITH RECURSIVE d(oid) AS (
          SELECT a.atttypid
          UNION ALL
          SELECT dt.typbasetype FROM d JOIN pg_type dt ON dt.oid = d.oid WHERE dt.typtype = 'd')
        SELECT format('%s.%s', bn.nspname, bt.typname)
        FROM d JOIN pg_type bt ON bt.oid = d.oid JOIN pg_namespace bn ON bn.oid = bt.typnamespace
        WHERE bt.typtype <> 'd'),
       format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
)SQL";

}  // namespace

std::string CompareColumns(const RelationMsg& rel, const std::vector<TargetColumn>& target,
                           const TypeNames& types) {
  for (const auto& sc : rel.columns) {
    const TargetColumn* tc = nullptr;
    for (const auto& t : target)
      if (t.name == sc.name) tc = &t;
    if (!tc) return fmt::format("column \"{}\" exists on the source but not on the target", sc.name);
    if (sc.type_oid < kFirstNormalObjectId) {
      if (sc.type_oid != tc->type_oid || sc.typmod != tc->typmod)
        return fmt::format("column \"{}\" has a different type on the source (type oid {}, typmod {}) than on the target ({})",
                           sc.name, sc.type_oid, sc.typmod, tc->type_name);
    } else if (auto it = types.find(sc.type_oid); it != types.end()) {
      // The Type message names a domain's base type: compare like with like.
      const std::string& base = tc->base_type_name.empty() ? tc->type_name : tc->base_type_name;
      if (it->second != base) {
        std::string shown = base == tc->type_name ? base : tc->type_name + " (over " + base + ")";
        return fmt::format("column \"{}\" is of type {} on the source but {} on the target",
                           sc.name, it->second, shown);
      }
    }
  }
  // Extra target columns are allowed (they take their default): that is how
  // the user's ALTER TABLE ... ADD COLUMN on the target meets changes decoded
  // before the same ALTER ran on the source.
  return "";
}

Result<TargetTable> DescribeTargetTable(pg::Connection& target, const RelationMsg& rel,
                                        const TypeNames& types) {
  TargetTable tt;
  tt.rel = rel;
  tt.qname = pg::QualifiedName(rel.nspname, rel.relname);
  std::string shown = rel.nspname + "." + rel.relname;
  HK_ASSIGN_OR_RETURN(std::string exists, target.QueryValue("SELECT to_regclass($1) IS NOT NULL", {tt.qname}));
  if (exists != "t") {
    return BlockedError("table " + shown + " receives changes on the source but does not exist on the target",
                   "create it on the target (same definition), then run `hikkoshi follow` again");
  }
  HK_ASSIGN_OR_RETURN(auto r, target.Exec(kColumnsSql, {tt.qname}));
  std::vector<TargetColumn> cols;
  std::vector<bool> eq, ident;
  std::vector<std::string> type_sql;
  for (int i = 0; i < r.rows(); ++i) {
    cols.push_back({r.Str(i, 0), static_cast<uint32_t>(r.Int(i, 1)),
                    static_cast<int32_t>(r.Int(i, 2)), r.Str(i, 3), r.Str(i, 6)});
    eq.push_back(r.Bool(i, 4));
    ident.push_back(r.Bool(i, 5));
    type_sql.push_back(r.Str(i, 7));
  }
  std::string diff = CompareColumns(rel, cols, types);
  if (!diff.empty()) {
    return BlockedError("the schema of table " + shown + " changed: " + diff +
                       " (logical replication does not carry DDL)",
                   "apply the same ALTER TABLE on the target, then run `hikkoshi follow` again; "
                   "changes are kept on the source until then");
  }
  for (const auto& t : cols) {
    bool found = false;
    for (const auto& sc : rel.columns) found = found || sc.name == t.name;
    if (!found) {
      LogWarn("column \"{}\" of {} exists only on the target; applied rows get its default", t.name, shown);
      tt.target_only.push_back(pg::QuoteIdent(t.name));
    }
  }
  for (const auto& sc : rel.columns) {
    bool e = false, a = false;
    std::string ty;
    for (size_t i = 0; i < cols.size(); ++i)
      if (cols[i].name == sc.name) e = eq[i], a = ident[i], ty = type_sql[i];
    tt.has_equality.push_back(e);
    tt.identity_always.push_back(a);
    tt.type_sql.push_back(ty);
  }
  return tt;
}

}  // namespace hk::cdc
