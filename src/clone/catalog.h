// What the clone reads from the source's catalog, at the clone's snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/catalog/relations.h"
#include "pg/connection.h"

namespace hk::clone {

struct TableInfo {
  int64_t oid = 0;
  std::string nspname, relname;
  int64_t bytes = 0;  ///< pg_relation_size at planning time.
  int64_t pages = 0;
  /// The copied columns, quoted, in attnum order (generated columns left
  /// out: the target computes them). Empty for a table without any.
  std::vector<std::string> columns;
  /// Every copied column's type has a position-independent binary form
  /// (pg/catalog/binary_types.h).
  bool binary_ok = true;
  /// Some column is (an array of / a domain over) a reg* type: text only.
  bool text_required = false;
  std::string Qualified() const;
  /// `("a", "b")` for both sides of COPY (the target's column order may
  /// differ, e.g. inherited columns); "" when there is no column to name:
  /// COPY without a list then carries rows of no columns (generated columns
  /// are never part of COPY's default list).
  std::string CopyColumnList() const;
  /// `"a", "b"` for a SELECT list; "" (a valid empty SELECT list) when none.
  std::string SelectList() const;
};

/// Plain tables and leaf partitions among `oids` (relkind 'r'), largest first.
Result<std::vector<TableInfo>> LoadTables(pg::Connection& src, const std::vector<int64_t>& oids);

/// An index hikkoshi builds itself right after its table's data: plain
/// indexes and PRIMARY KEY / UNIQUE constraints of non-partitioned indexes.
struct IndexInfo {
  int64_t index_oid = 0;
  int64_t table_oid = 0;
  std::string nspname, name, table_qualified;
  std::string definition;      ///< pg_get_indexdef()
  int64_t constraint_oid = 0;  ///< 0 when the index backs no constraint.
  std::string conname;
  char contype = 0;            ///< 'p' or 'u'
  bool deferrable = false, deferred = false;
  bool replica_identity = false, clustered = false;
};

Result<std::vector<IndexInfo>> LoadIndexes(pg::Connection& src, const std::vector<int64_t>& table_oids);

/// CREATE INDEX for one index on the target.
std::string IndexCreateSql(const IndexInfo& ix);
/// What follows once the index exists (ADD CONSTRAINT ... USING INDEX,
/// REPLICA IDENTITY, CLUSTER ON); "" when nothing. A separate transaction:
/// ALTER TABLE's lock would deadlock with a sibling index build.
std::string IndexAttachSql(const IndexInfo& ix);

/// "{1,2,3}" for an oid[] parameter.
using pg::catalog::OidArray;

}  // namespace hk::clone
