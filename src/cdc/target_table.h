// The target's side of a source relation, and DDL detection: logical
// decoding does not carry schema changes, so when a Relation message's
// columns differ from the target table's, follow stops and says which table
// changed and how to continue instead of applying garbage.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cdc/pgoutput.h"
#include "common/status.h"
#include "pg/connection.h"

namespace hk::cdc {

struct TargetTable {
  RelationMsg rel;        ///< As the source described it.
  std::string qname;      ///< "schema"."name" on the target.
  std::vector<bool> has_equality;  ///< Per source column: type has a default btree/hash opclass.
  std::vector<bool> identity_always;  ///< Per source column: GENERATED ALWAYS AS IDENTITY on the target.
  std::vector<std::string> type_sql;  ///< Per source column: the target column's type, for casts.
  std::vector<std::string>
      target_only;  ///< Quoted names of (non-generated) columns only the target has.
};

/// Known non-built-in types from Type messages: oid -> schema.name.
using TypeNames = std::map<uint32_t, std::string>;

/// Reads the target table named like `rel` and compares columns (names, and
/// types: built-in by OID and typmod, others by name). Errors: table missing
/// on the target, or columns differ (message names the table, the difference,
/// and the fix), both ErrorKind::kBlocked.
Result<TargetTable> DescribeTargetTable(pg::Connection& target, const RelationMsg& rel,
                                        const TypeNames& types);

/// The pure comparison, exposed for unit tests. Target columns are
/// (name, type oid, typmod, schema.typename, base schema.typename). Returns
/// "" when compatible, else a description of the first difference. Every
/// source column must exist on the target with the same type; extra target
/// columns are allowed. pgoutput's Type message names a domain's base type,
/// so user types are compared with the target column's base type (the type
/// itself unless it is a domain; empty = same as type_name).
struct TargetColumn {
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  std::string type_name;
  std::string base_type_name;
};
std::string CompareColumns(const RelationMsg& rel, const std::vector<TargetColumn>& target,
                           const TypeNames& types);

}  // namespace hk::cdc
