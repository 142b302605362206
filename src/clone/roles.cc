#include "clone/roles.h"

#include "clone/clone.h"
#include "pg/quote.h"

namespace hk::clone {
namespace {

// Objects of user schemas that no extension owns; 'o' owner, 'a' ACL, 'p' policy.
constexpr const char* kReferencedRolesSql = R"SQL(
WITH user_ns AS (
  SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                    AND d.objid = n.oid AND d.deptype = 'e')
), rels AS (
  SELECT c.oid, c.relowner, c.relacl, n.nspname FROM pg_class c JOIN user_ns n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
), procs AS (
  SELECT p.proowner, p.proacl, n.nspname FROM pg_proc p JOIN user_ns n ON n.oid = p.pronamespace
  WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                    AND d.objid = p.oid AND d.deptype = 'e')
), types AS (
  SELECT t.typowner, t.typacl, n.nspname FROM pg_type t JOIN user_ns n ON n.oid = t.typnamespace
  WHERE t.typtype IN ('e', 'd', 'r', 'c', 'b')
    AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
), refs(role, kind) AS (
  SELECT nspowner, 'o' FROM user_ns WHERE nspname <> 'public'
  UNION SELECT relowner, 'o' FROM rels
  UNION SELECT proowner, 'o' FROM procs
  UNION SELECT typowner, 'o' FROM types
  UNION SELECT (aclexplode(nspacl)).grantee, 'a' FROM user_ns
  UNION SELECT (aclexplode(relacl)).grantee, 'a' FROM rels
  UNION SELECT (aclexplode(a.attacl)).grantee, 'a' FROM pg_attribute a JOIN rels r ON r.oid = a.attrelid
        WHERE a.attacl IS NOT NULL
  UNION SELECT (aclexplode(proacl)).grantee, 'a' FROM procs
  UNION SELECT (aclexplode(typacl)).grantee, 'a' FROM types
  UNION SELECT defaclrole, 'a' FROM pg_default_acl
  UNION SELECT (aclexplode(defaclacl)).grantee, 'a' FROM pg_default_acl
  UNION SELECT unnest(polroles), 'p' FROM pg_policy pol JOIN rels r ON r.oid = pol.polrelid
  UNION SELECT relowner, 'P' FROM rels WHERE nspname = 'public'
  UNION SELECT proowner, 'P' FROM procs WHERE nspname = 'public'
  UNION SELECT typowner, 'P' FROM types WHERE nspname = 'public'
)
SELECT r.rolname, bool_or(kind = 'o'), bool_or(kind = 'a'), bool_or(kind = 'p'),
       bool_or(kind = 'P')
FROM refs JOIN pg_roles r ON r.oid = refs.role
WHERE r.rolname NOT LIKE 'pg\_%'
GROUP BY r.rolname ORDER BY 1
)SQL";

std::string TextArray(const std::vector<RoleRef>& roles) {
  std::string arr = "{";
  for (size_t i = 0; i < roles.size(); ++i) {
    arr += i ? ",\"" : "\"";
    for (char ch : roles[i].name) {
      if (ch == '"' || ch == '\\') arr += '\\';
      arr += ch;
    }
    arr += "\"";
  }
  return arr + "}";
}

}  // namespace

Result<std::vector<RoleRef>> ReferencedRoles(pg::Connection& source) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, source.Exec(kReferencedRolesSql, {}));
  std::vector<RoleRef> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(RoleRef{r.Str(i, 0), r.Bool(i, 1), r.Bool(i, 2), r.Bool(i, 3), r.Bool(i, 4)});
  return out;
}

Result<std::vector<RoleRef>> MissingRoles(pg::Connection& target,
                                          const std::vector<RoleRef>& roles) {
  if (roles.empty()) return std::vector<RoleRef>{};
  HK_ASSIGN_OR_RETURN(pg::QueryResult r,
                      target.Exec("SELECT u FROM unnest($1::text[]) u WHERE NOT EXISTS "
                                  "(SELECT 1 FROM pg_roles WHERE rolname = u)",
                                  {TextArray(roles)}));
  std::vector<RoleRef> out;
  for (int i = 0; i < r.rows(); ++i)
    for (const auto& role : roles)
      if (role.name == r.Str(i, 0)) out.push_back(role);
  return out;
}

bool NeededForRestore(const RoleRef& r, bool no_owner, bool no_acl) {
  return (r.owner && !no_owner) || (r.acl && !no_acl) || r.policy;
}

std::vector<std::string> CreateRoleStatements(const std::vector<RoleRef>& missing,
                                              const std::string& target_user,
                                              bool target_superuser) {
  std::vector<std::string> out;
  for (const auto& r : missing) {
    std::string st = "CREATE ROLE " + pg::QuoteIdent(r.name) + " NOLOGIN;";
    if (!target_superuser)
      st += " GRANT " + pg::QuoteIdent(r.name) + " TO " + pg::QuoteIdent(target_user) + ";";
    // A new owner needs CREATE on the object's schema; on the source it had
    // it on public (e.g. as the database's owner), on the target it has not.
    if (r.owns_in_public) st += " GRANT CREATE ON SCHEMA public TO " + pg::QuoteIdent(r.name) + ";";
    out.push_back(st);
  }
  return out;
}

Status CreateMissingRoles(pg::Connection& target, const std::vector<RoleRef>& missing) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult who,
                      target.Exec("SELECT current_user, rolsuper FROM pg_roles "
                                  "WHERE rolname = current_user",
                                  {}));
  for (const auto& st : CreateRoleStatements(missing, who.Str(0, 0), who.Bool(0, 1))) {
    auto done = target.Run(st);
    if (!done.ok()) return std::move(done.error()).Context("creating missing roles (" + st + ")");
  }
  return Status::Ok();
}

Result<std::vector<RoleRef>> CheckRoles(pg::Connection& source, pg::Connection& target,
                                        bool no_owner, bool no_acl, bool create_roles) {
  HK_ASSIGN_OR_RETURN(auto refs, ReferencedRoles(source));
  HK_ASSIGN_OR_RETURN(auto missing, MissingRoles(target, refs));
  std::vector<RoleRef> needed;
  for (const auto& r : missing)
    if (NeededForRestore(r, no_owner, no_acl)) needed.push_back(r);
  if (needed.empty() || create_roles) return needed;
  HK_ASSIGN_OR_RETURN(pg::QueryResult who,
                      target.Exec("SELECT current_user, rolsuper FROM pg_roles "
                                  "WHERE rolname = current_user",
                                  {}));
  return MissingRolesError(needed, who.Str(0, 0), who.Bool(0, 1));
}

Error MissingRolesError(const std::vector<RoleRef>& missing, const std::string& target_user,
                        bool target_superuser) {
  std::string names, statements;
  for (const auto& r : missing) names += (names.empty() ? "" : ", ") + r.name;
  for (const auto& st : CreateRoleStatements(missing, target_user, target_superuser))
    statements += (statements.empty() ? "" : " ") + st;
  return BlockedError(
      "the target lacks role(s) the source's schema names as owner, grantee or policy role: " +
          names,
      "create them on the target (" + statements +
          "), or rerun with --create-roles (creates them NOLOGIN), or with --no-owner --no-acl "
          "(everything owned by the target user, no grants)");
}

}  // namespace hk::clone
