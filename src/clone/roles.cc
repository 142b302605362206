#include "clone/roles.h"

#include <algorithm>

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
                                        bool no_owner, bool no_acl, bool create_roles,
                                        const std::vector<std::string>& mapped_from) {
  HK_ASSIGN_OR_RETURN(auto all, ReferencedRoles(source));
  std::vector<RoleRef> refs;
  for (auto& r : all)
    if (std::find(mapped_from.begin(), mapped_from.end(), r.name) == mapped_from.end())
      refs.push_back(std::move(r));
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

namespace {

constexpr const char* kStandInComment = "hikkoshi --role-map stand-in";

Result<bool> RoleExists(pg::Connection& c, const std::string& role) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r,
                      c.Exec("SELECT count(*) FROM pg_roles WHERE rolname = $1", {role}));
  return r.Int(0, 0) > 0;
}

Result<bool> IsStandIn(pg::Connection& c, const std::string& role) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r,
                      c.Exec("SELECT coalesce(shobj_description(oid, 'pg_authid'), '') = $2 "
                             "FROM pg_roles WHERE rolname = $1",
                             {role, std::string(kStandInComment)}));
  return r.rows() == 1 && r.Bool(0, 0);
}

Status RunAll(pg::Connection& c, const std::string& generator, const std::vector<pg::Param>& p) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(generator, p));
  for (int i = 0; i < r.rows(); ++i) {
    auto st = c.Run(r.Str(i, 0));
    if (!st.ok()) return std::move(st.error()).Context("--role-map: " + r.Str(i, 0));
  }
  return Status::Ok();
}

// GRANTs to $2 of every privilege $1 holds in this database.
constexpr const char* kCopyGrantsSql = R"SQL(
WITH old AS (SELECT oid FROM pg_roles WHERE rolname = $1), objs(kind, obj, acl) AS (
  SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.oid::regclass::text, c.relacl
    FROM pg_class c WHERE c.relacl IS NOT NULL AND c.relkind IN ('r','p','v','m','S','f')
  UNION ALL SELECT 'SCHEMA', quote_ident(nspname), nspacl FROM pg_namespace WHERE nspacl IS NOT NULL
  UNION ALL SELECT 'ROUTINE', oid::regprocedure::text, proacl FROM pg_proc WHERE proacl IS NOT NULL
  UNION ALL SELECT CASE typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, oid::regtype::text, typacl
    FROM pg_type WHERE typacl IS NOT NULL
)
SELECT format('GRANT %s ON %s %s TO %I%s', a.privilege_type, o.kind, o.obj, $2::text,
              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
FROM objs o, aclexplode(o.acl) a WHERE a.grantee = (SELECT oid FROM old)
UNION ALL
SELECT format('GRANT %s (%I) ON TABLE %s TO %I%s', a.privilege_type, att.attname,
              att.attrelid::regclass, $2::text, CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
FROM pg_attribute att, aclexplode(att.attacl) a
WHERE att.attacl IS NOT NULL AND a.grantee = (SELECT oid FROM old)
)SQL";

// ALTER DEFAULT PRIVILEGES FOR ROLE $1 ... as FOR ROLE $2 (grantee $1 also
// becomes $2), and $1's place as grantee in the defaults of roles the
// current user may act for. REASSIGN OWNED leaves default privileges alone
// and DROP OWNED drops them. A global entry (no schema) is the whole ACL
// that replaces the built-in default, so it starts with REVOKE ALL.
constexpr const char* kDefaultAclSql = R"SQL(
WITH d AS (
  SELECT d.defaclrole, r.rolname AS owner, d.defaclnamespace, d.defaclacl,
         CASE WHEN d.defaclnamespace = 0 THEN ''
              ELSE ' IN SCHEMA ' || quote_ident(n.nspname) END AS scope,
         CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES'
              WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' END AS kind
  FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole
  LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
)
SELECT stmt FROM (
  SELECT 1 AS step, format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE ALL ON %s FROM PUBLIC, %I',
                           $2::text, d.kind, $2::text) AS stmt
  FROM d WHERE d.owner = $1 AND d.defaclnamespace = 0
  UNION ALL
  SELECT 2, format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s GRANT %s ON %s TO %s%s',
                   CASE WHEN d.owner = $1 THEN $2::text ELSE d.owner END, d.scope,
                   a.privilege_type, d.kind,
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                        WHEN g.rolname = $1 THEN quote_ident($2::text)
                        ELSE quote_ident(g.rolname) END,
                   CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
  FROM d CROSS JOIN LATERAL aclexplode(d.defaclacl) a LEFT JOIN pg_roles g ON g.oid = a.grantee
  WHERE d.owner = $1
     OR (g.rolname = $1 AND pg_has_role(current_user, d.defaclrole, 'MEMBER'))
) s ORDER BY step
)SQL";

constexpr const char* kPoliciesSql = R"SQL(
SELECT format('ALTER POLICY %I ON %s TO %s', p.polname, p.polrelid::regclass,
              string_agg(CASE WHEN r.role = 0 THEN 'PUBLIC'
                              WHEN r.role = o.oid THEN quote_ident($2::text)
                              ELSE quote_ident((SELECT rolname FROM pg_roles WHERE oid = r.role)) END,
                         ', ' ORDER BY r.n))
FROM pg_policy p CROSS JOIN (SELECT oid FROM pg_roles WHERE rolname = $1) o
     CROSS JOIN LATERAL unnest(p.polroles) WITH ORDINALITY r(role, n)
WHERE o.oid = ANY (p.polroles)
GROUP BY p.polname, p.polrelid, o.oid
)SQL";

}  // namespace

Result<RoleMapping> ParseRoleMapping(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size() ||
      text.find('=', eq + 1) != std::string::npos)
    return MakeError(ErrorKind::kBadInput, "--role-map " + text + " is not OLD=NEW",
                     "write it as the source's role name, '=', the target's, e.g. "
                     "--role-map neondb_owner=app_admin");
  return RoleMapping{text.substr(0, eq), text.substr(eq + 1)};
}

Status PrepareRoleMap(pg::Connection& target, const std::vector<RoleMapping>& map) {
  if (map.empty()) return Status::Ok();
  HK_ASSIGN_OR_RETURN(pg::QueryResult who,
                      target.Exec("SELECT current_user, rolsuper FROM pg_roles "
                                  "WHERE rolname = current_user",
                                  {}));
  for (const auto& m : map) {
    HK_ASSIGN_OR_RETURN(bool exists, RoleExists(target, m.from));
    if (exists) continue;
    std::string q = pg::QuoteIdent(m.from);
    std::string sql = "CREATE ROLE " + q + " NOLOGIN; COMMENT ON ROLE " + q + " IS " +
                      pg::QuoteLiteral(kStandInComment) + ";";
    if (!who.Bool(0, 1)) sql += " GRANT " + q + " TO " + pg::QuoteIdent(who.Str(0, 0)) + ";";
    sql += " GRANT CREATE ON SCHEMA public TO " + q + ";";
    auto st = target.Run(sql);
    if (!st.ok()) return std::move(st.error()).Context("--role-map: creating stand-in role " + q);
  }
  return Status::Ok();
}

Status FinishRoleMap(pg::Connection& target, const std::vector<RoleMapping>& map) {
  for (const auto& m : map) {
    HK_ASSIGN_OR_RETURN(bool from_exists, RoleExists(target, m.from));
    if (!from_exists) continue;  // done by an earlier run
    HK_ASSIGN_OR_RETURN(bool stand_in, IsStandIn(target, m.from));
    HK_ASSIGN_OR_RETURN(bool to_exists, RoleExists(target, m.to));
    std::string from = pg::QuoteIdent(m.from), to = pg::QuoteIdent(m.to);
    if (stand_in && !to_exists) {
      // Owners, grants and policies refer to the role's OID: a rename moves all.
      auto st = target.Run("REVOKE CREATE ON SCHEMA public FROM " + from + "; ALTER ROLE " + from +
                           " RENAME TO " + to + "; COMMENT ON ROLE " + to + " IS NULL");
      if (!st.ok()) return std::move(st.error()).Context("--role-map " + m.from + "=" + m.to);
      continue;
    }
    HK_ASSIGN_OR_RETURN(auto tx, pg::Transaction::Begin(target));
    HK_RETURN_IF_ERROR(RunAll(target, kCopyGrantsSql, {m.from, m.to}));
    HK_RETURN_IF_ERROR(RunAll(target, kPoliciesSql, {m.from, m.to}));
    HK_RETURN_IF_ERROR(RunAll(target, kDefaultAclSql, {m.from, m.to}));
    auto st = target.Run("REASSIGN OWNED BY " + from + " TO " + to);
    if (!st.ok()) return std::move(st.error()).Context("--role-map " + m.from + "=" + m.to);
    if (stand_in) {
      st = target.Run("DROP OWNED BY " + from + "; DROP ROLE " + from);
      if (!st.ok()) return std::move(st.error()).Context("--role-map: dropping stand-in " + from);
    }
    HK_RETURN_IF_ERROR(tx.Commit());
  }
  return Status::Ok();
}

}  // namespace hk::clone
