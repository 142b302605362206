// What the clone reads from the source's catalog, at the clone's snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::clone {

struct TableInfo {
  int64_t oid = 0;
  std::string nspname, relname;
  int64_t bytes = 0;  ///< pg_relation_size at planning time.
  int64_t pages = 0;
  /// "" when every column is copied, else ("a", "b") without generated columns.
  std::string column_list;
  bool binary_ok = true;  ///< Every column's type has a built-in binary send/recv.
  std::string Qualified() const;
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
std::string OidArray(const std::vector<int64_t>& oids);

}  // namespace hk::clone
