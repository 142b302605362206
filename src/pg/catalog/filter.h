// The one user-object filter, as SQL fragments. Every stage that asks the
// catalog "which objects are the user's?" builds its WHERE clause from these,
// so check, clone, follow, verify, backup and cutover see the same set.
//
// A user object is
//   - not in a system schema: pg_catalog, information_schema, pg_toast*,
//     pg_temp* (pg_toast_temp_N included);
//   - not in hikkoshi's own schema (`hikkoshi`: the cutover probe table and
//     any progress table hikkoshi keeps on a server);
//   - not a member of an extension (pg_depend deptype 'e' whose classid is
//     the object's own catalog: OIDs are unique per catalog only).
#pragma once

#include <string>
#include <string_view>

namespace hk::pg::catalog {

/// hikkoshi's own schema on the source and the target.
inline constexpr const char* kOwnSchema = "hikkoshi";

/// `nspname` (an SQL expression yielding a schema name) is not a system
/// schema. hikkoshi's own schema passes: for "is this database empty?".
std::string NotSystemSchema(std::string_view nspname);

/// `nspname` is neither a system schema nor hikkoshi's own.
std::string UserSchema(std::string_view nspname);

/// The object with OID `oid` in catalog `catalog` ("pg_class", "pg_proc",
/// "pg_type", "pg_namespace", ...) is not a member of an extension.
std::string NotExtensionMember(std::string_view catalog, std::string_view oid);

/// A user relation: pg_class alias `c` joined to its pg_namespace alias `n`.
std::string UserRelation(std::string_view c = "c", std::string_view n = "n");

/// A top-level user table: ordinary or partitioned, not itself a partition
/// (a partition's rows are reached through its root). Unlogged included.
std::string TopLevelTable(std::string_view c = "c", std::string_view n = "n");

/// A relation a publication names (and cutover counts): a permanent
/// TopLevelTable (unlogged tables cannot be published).
std::string PublishableTable(std::string_view c = "c", std::string_view n = "n");

}  // namespace hk::pg::catalog
