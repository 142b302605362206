// Schema objects compared as normalised definitions read from the catalogs
// (pg_get_*def, format_type, ...). OIDs, owners and ACLs are never compared.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "common/status.h"
#include "pg/connection.h"
#include "verify/report.h"
#include "verify/verify.h"

namespace hk::verify {

struct SchemaObject {
  std::string relation;    ///< The table it belongs to (for --include/--exclude), or "".
  std::string definition;  ///< Normalised definition.
};

/// (object_type, qualified name) -> object.
using SchemaSnapshot = std::map<std::pair<std::string, std::string>, SchemaObject>;

/// Reads every user object's definition (inside the caller's snapshot).
Result<SchemaSnapshot> ReadSchema(pg::Connection& c);

/// Adds one Difference per object that is missing, extra or changed.
/// Returns the number of objects compared.
int64_t CompareSchema(const SchemaSnapshot& src, const SchemaSnapshot& tgt, const VerifyOptions& o,
                      VerifyReport& report);

}  // namespace hk::verify
