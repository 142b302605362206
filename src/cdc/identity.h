// Tables that logical decoding cannot identify rows of: no primary key and no
// usable replica identity. Once such a table is in a publication, UPDATE and
// DELETE on it FAIL ON THE SOURCE, so follow refuses to start until the user
// chooses REPLICA IDENTITY FULL (explicit flag) or leaves the table out.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::cdc {

/// Quoted schema.name of every ordinary or partitioned table (partitions
/// included) among `tables` (all user tables when empty) without a primary
/// key or replica identity.
Result<std::vector<std::string>> TablesWithoutIdentity(pg::Connection& source,
                                                        const std::vector<std::string>& tables);

/// ALTER TABLE ... REPLICA IDENTITY FULL on each, in one transaction.
Status SetReplicaIdentityFull(pg::Connection& source, const std::vector<std::string>& tables);

/// The sentence follow prints when tables lack an identity and no flag was given.
Error NoIdentityError(const std::vector<std::string>& tables);

}  // namespace hk::cdc
