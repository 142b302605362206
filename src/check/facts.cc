#include "check/facts.h"

#include <libpq-fe.h>

#include "clone/db_settings.h"
#include "pg/catalog/filter.h"
#include "pg/quote.h"

namespace hk::check {

std::string TableFacts::Qualified() const { return pg::QualifiedName(schema, name); }

bool TableFacts::HasUsableIdentity() const {
  if (replident == 'f') return true;
  if (replident == 'i') return has_replident_index;
  if (replident == 'd') return has_pk;
  return false;
}

namespace {

constexpr const char* kServerSql = R"SQL(
SELECT current_setting('server_version'),
       current_setting('server_version_num')::int,
       current_database(), current_user,
       pg_encoding_to_char(d.encoding), d.datcollate, d.datctype,
       -- datlocprovider and daticulocale are new in 15, datlocale is 17's name:
       coalesce(to_jsonb(d) ->> 'datlocprovider', 'c'),
       coalesce(to_jsonb(d) ->> 'daticulocale', to_jsonb(d) ->> 'datlocale', ''),
       current_setting('wal_level'),
       current_setting('max_replication_slots')::int,
       (SELECT count(*) FROM pg_replication_slots)::int,
       current_setting('max_wal_senders')::int,
       (SELECT count(*) FROM pg_stat_replication)::int,
       r.rolsuper, r.rolreplication,
       coalesce((SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = 'rds_replication'), false),
       coalesce((SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = 'rds_superuser'), false),
       has_database_privilege(current_database(), 'CREATE'),
       pg_database_size(current_database()),
       (SELECT count(*) FROM pg_largeobject_metadata),
       coalesce(host(inet_server_addr()) || ':' || inet_server_port(), 'local socket')
FROM pg_database d, pg_roles r
WHERE d.datname = current_database() AND r.rolname = current_user
)SQL";

// Anything a user put into the database (for "is the target empty?"):
// relations, schemas but public, functions, extensions but plpgsql. Built
// from the catalog module's filter (hikkoshi's own schema counts here).
std::string UserObjectsSql() {
  using namespace pg::catalog;
  return "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
         " WHERE " +
         NotSystemSchema("n.nspname") + " AND " + NotExtensionMember("pg_class", "c.oid") +
         ") + (SELECT count(*) FROM pg_namespace n WHERE n.nspname <> 'public' AND " +
         NotSystemSchema("n.nspname") +
         ") + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
         " WHERE " +
         NotSystemSchema("n.nspname") + " AND " + NotExtensionMember("pg_proc", "p.oid") +
         ") + (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql')";
}

constexpr const char* kTablesSql = R"SQL(
SELECT n.nspname, c.relname, c.relkind::text, c.relreplident::text,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary),
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident),
       c.relpersistence = 'u', c.relispartition,
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
               AND NOT a.attisdropped AND a.attgenerated <> ''),
       has_table_privilege(c.oid, 'SELECT'),
       CASE WHEN c.relkind = 'p' THEN 0 ELSE pg_total_relation_size(c.oid) END,
       greatest(c.reltuples, 0)::bigint
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND {user}
ORDER BY 11 DESC, 1, 2
)SQL";

constexpr const char* kMatviewsSql = R"SQL(
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'm' AND {user}
ORDER BY 1
)SQL";

// {user}: pg/catalog's user-relation filter on c / n.
std::string WithUserFilter(std::string sql) {
  size_t p = sql.find("{user}");
  return sql.replace(p, 6, pg::catalog::UserRelation());
}

}  // namespace

Result<ServerFacts> GatherFacts(pg::Connection& c) {
  ServerFacts f;
  f.redacted = c.redacted();
  f.ssl = PQsslInUse(c.raw()) == 1;
  {
    HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(kServerSql));
    int i = 0;
    f.version = r.Str(0, i++);
    f.version_num = static_cast<int>(r.Int(0, i++));
    f.database = r.Str(0, i++);
    f.user = r.Str(0, i++);
    f.encoding = r.Str(0, i++);
    f.collate = r.Str(0, i++);
    f.ctype = r.Str(0, i++);
    f.locale_provider = r.Str(0, i++) == "i" ? "icu" : "libc";
    f.icu_locale = r.Str(0, i++);
    f.wal_level = r.Str(0, i++);
    f.max_replication_slots = static_cast<int>(r.Int(0, i++));
    f.used_replication_slots = static_cast<int>(r.Int(0, i++));
    f.max_wal_senders = static_cast<int>(r.Int(0, i++));
    f.used_wal_senders = static_cast<int>(r.Int(0, i++));
    f.is_superuser = r.Bool(0, i++);
    f.has_replication = r.Bool(0, i++);
    f.rds_replication = r.Bool(0, i++);
    f.rds_superuser = r.Bool(0, i++);
    f.can_create_in_db = r.Bool(0, i++);
    f.database_bytes = r.Int(0, i++);
    f.large_objects = r.Int(0, i++);
    f.server_addr = r.Str(0, i++);
  }
  // Visible to superusers and pg_monitor members only; identifies the cluster.
  if (auto r = c.Exec("SELECT system_identifier::text FROM pg_control_system()"); r.ok()) {
    f.system_identifier = r->Str(0, 0);
  }
  {
    HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(UserObjectsSql()));
    f.user_objects = r.Int(0, 0);
  }
  {
    HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(WithUserFilter(kTablesSql)));
    for (int row = 0; row < r.rows(); ++row) {
      TableFacts t;
      t.schema = r.Str(row, 0);
      t.name = r.Str(row, 1);
      t.relkind = r.Get(row, 2)[0];
      t.replident = r.Get(row, 3)[0];
      t.has_pk = r.Bool(row, 4);
      t.has_replident_index = r.Bool(row, 5);
      t.unlogged = r.Bool(row, 6);
      t.is_partition = r.Bool(row, 7);
      t.has_generated = r.Bool(row, 8);
      t.can_select = r.Bool(row, 9);
      t.bytes = r.Int(row, 10);
      t.est_rows = r.Int(row, 11);
      f.tables.push_back(std::move(t));
    }
  }
  {
    HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(WithUserFilter(kMatviewsSql)));
    for (int row = 0; row < r.rows(); ++row) f.matviews.push_back(r.Str(row, 0));
  }
  {
    HK_ASSIGN_OR_RETURN(pg::QueryResult r,
                        c.Exec("SELECT extname, extversion FROM pg_extension ORDER BY 1"));
    for (int row = 0; row < r.rows(); ++row) f.extensions[r.Str(row, 0)] = r.Str(row, 1);
  }
  {
    HK_ASSIGN_OR_RETURN(
        pg::QueryResult r,
        c.Exec("SELECT name, coalesce(default_version, '') FROM pg_available_extensions"));
    for (int row = 0; row < r.rows(); ++row) f.available_extensions[r.Str(row, 0)] = r.Str(row, 1);
  }
  {
    HK_ASSIGN_OR_RETURN(pg::QueryResult r,
                        c.Exec("SELECT name, setting FROM pg_settings WHERE name IN "
                               "('max_connections','shared_buffers','max_worker_processes',"
                               "'wal_sender_timeout','max_slot_wal_keep_size','TimeZone')"));
    for (int row = 0; row < r.rows(); ++row) f.settings[r.Str(row, 0)] = r.Str(row, 1);
  }
  {
    HK_ASSIGN_OR_RETURN(auto settings, clone::LoadDbSettings(c));  // the query clone carries
    for (auto& st : settings) f.db_settings.emplace_back(std::move(st.role), std::move(st.item));
    HK_ASSIGN_OR_RETURN(std::string owns,
                        c.QueryValue("SELECT pg_has_role((SELECT datdba FROM pg_database WHERE "
                                     "datname = current_database()), 'USAGE')"));
    f.owns_database = owns == "t";
  }
  return f;
}

}  // namespace hk::check
