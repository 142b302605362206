// The roles a database's schema names: owners, grantees (and grantors) of
// privileges, default privileges and row-level-security policies. pg_restore
// fails on a target that lacks one, unless told to leave owners (--no-owner)
// or privileges (--no-acl) out. Read from pg_roles and the catalogs' ACLs,
// never pg_authid (unreadable on managed services); passwords are never read.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::clone {

struct RoleRef {
  std::string name;
  bool owner = false;           ///< Owns a schema, relation, routine or type.
  bool acl = false;             ///< Grantee or grantor of a privilege or default privilege.
  bool policy = false;          ///< Named by a row-level-security policy.
  bool owns_in_public = false;  ///< Owns objects in schema public.
};

/// Every role the schema of the connected database references, except
/// predefined roles (pg_*) and PUBLIC; sorted by name.
Result<std::vector<RoleRef>> ReferencedRoles(pg::Connection& source);

/// Those of `roles` that do not exist on the connected server.
Result<std::vector<RoleRef>> MissingRoles(pg::Connection& target,
                                          const std::vector<RoleRef>& roles);

/// Whether restoring needs the role: an owner unless --no-owner, a grantee
/// unless --no-acl, and always for a policy.
bool NeededForRestore(const RoleRef& r, bool no_owner, bool no_acl);

/// CREATE ROLE "x" NOLOGIN; and, for a target user who is not a superuser,
/// GRANT "x" TO "user"; (ALTER ... OWNER TO x needs membership in x); for
/// an owner of objects in public, GRANT CREATE ON SCHEMA public TO "x";
/// (ALTER ... OWNER TO needs the new owner to have CREATE on the schema).
std::vector<std::string> CreateRoleStatements(const std::vector<RoleRef>& missing,
                                              const std::string& target_user,
                                              bool target_superuser);

/// Runs CreateRoleStatements on the target (clone --create-roles).
Status CreateMissingRoles(pg::Connection& target, const std::vector<RoleRef>& missing);

/// Before anything changes: the roles the restore needs that the target
/// lacks are a refusal (MissingRolesError), unless create_roles, when they
/// are returned for CreateMissingRoles.
/// Roles named in `mapped_from` (--role-map sources) do not count.
Result<std::vector<RoleRef>> CheckRoles(pg::Connection& source, pg::Connection& target,
                                        bool no_owner, bool no_acl, bool create_roles,
                                        const std::vector<std::string>& mapped_from = {});

/// --role-map OLD=NEW: objects owned by OLD on the source belong to NEW on
/// the target, and OLD's privileges and policy memberships go to NEW.
/// pg_restore cannot rename roles, so OLD is restored as itself, to a
/// NOLOGIN stand-in role created on the target (marked by its comment) when
/// missing; afterwards the stand-in is renamed to NEW when NEW does not
/// exist (everything follows the role's OID), else its objects are
/// reassigned to NEW (REASSIGN OWNED), its privileges granted to NEW, its
/// policies altered, its default privileges (ALTER DEFAULT PRIVILEGES FOR
/// ROLE OLD, and OLD as a grantee of them) given to NEW, and the stand-in
/// dropped.
struct RoleMapping {
  std::string from, to;
};
Result<RoleMapping> ParseRoleMapping(const std::string& text);
Status PrepareRoleMap(pg::Connection& target, const std::vector<RoleMapping>& map);
Status FinishRoleMap(pg::Connection& target, const std::vector<RoleMapping>& map);

/// The refusal for roles a restore needs that the target lacks.
Error MissingRolesError(const std::vector<RoleRef>& missing, const std::string& target_user,
                        bool target_superuser);

}  // namespace hk::clone
