#include "check/rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "check/provider.h"
#include "clone/db_settings.h"
#include "clone/schema.h"
#include "common/human.h"

namespace hk::check {

std::string NameList(const std::vector<std::string>& names, size_t max_shown) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max_shown; ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  if (names.size() > max_shown) out += fmt::format(" and {} more", names.size() - max_shown);
  return out;
}

std::string HumanDuration(double s) {
  if (s < 60) return "under a minute";
  if (s < 3600) return fmt::format("about {:.0f} min", s / 60);
  return fmt::format("about {:.1f} h", s / 3600);
}

namespace {

Item MakeItem(std::string id, std::string title, Verdict v, std::string detail,
              std::string fix = {}) {
  Item i;
  i.id = std::move(id);
  i.title = std::move(title);
  i.verdict = v;
  i.detail = std::move(detail);
  i.fix = std::move(fix);
  return i;
}

int Major(int version_num) { return version_num / 10000; }

std::string Joined(const std::vector<std::string>& statements);

std::vector<std::string> Names(const std::vector<TableFacts>& ts) {
  std::vector<std::string> out;
  for (const auto& t : ts) out.push_back(t.Qualified());
  return out;
}

nlohmann::json NamesJson(const std::vector<TableFacts>& ts) {
  auto a = nlohmann::json::array();
  for (const auto& t : ts) a.push_back({{"schema", t.schema}, {"name", t.name}});
  return a;
}

// How follow will apply changes on a server, from what the role may do
// (mode names as follow's --apply-mode / --trigger-mode spell them).
Item ApplyModeItem(const ServerFacts& f, const std::string& side) {
  std::string progress = f.origin_functions ? "origin" : "progress-table";
  std::string triggers = f.can_set_replica_role ? "replica-role" : "disable-triggers";
  std::vector<std::string> missing, grants;
  if (!f.origin_functions) {
    missing.push_back("EXECUTE on the pg_replication_origin_* functions");
    grants.push_back(fmt::format(
        "GRANT EXECUTE ON FUNCTION pg_replication_origin_create(text), "
        "pg_replication_origin_drop(text), pg_replication_origin_oid(text), "
        "pg_replication_origin_session_setup(text), pg_replication_origin_session_reset(), "
        "pg_replication_origin_session_progress(boolean), "
        "pg_replication_origin_progress(text, boolean), "
        "pg_replication_origin_xact_setup(pg_lsn, timestamptz) TO \"{}\";",
        f.user));
  }
  if (!f.can_set_replica_role) {
    missing.push_back("SET on parameter session_replication_role");
    grants.push_back(
        fmt::format("GRANT SET ON PARAMETER session_replication_role TO \"{}\";", f.user));
  }
  bool target = side == "target";
  std::string who = target ? "follow applies changes on the target"
                           : "a rollback's reverse replication applies changes on the source";
  std::string how = fmt::format(
      "{} as {} with {} ({}) and {} ({})", who, f.user, progress,
      f.origin_functions ? "a replication origin keeps the position"
                         : "the position is kept in hikkoshi.apply_progress, in the same "
                           "transaction as the changes",
      triggers,
      f.can_set_replica_role
          ? "session_replication_role = replica keeps user triggers from firing twice"
          : "user triggers are disabled while nothing else writes there, recorded and restored; "
            "the role must own the tables");
  Item i = MakeItem(side + ".apply_privilege",
                    target ? "target apply mode" : "source apply mode (rollback)",
                    missing.empty() ? Verdict::kPass : Verdict::kInfo,
                    missing.empty() ? how : how + "; missing: " + NameList(missing),
                    missing.empty() ? "" : "optional, as a superuser: " + Joined(grants));
  i.data = {{"progress_mode", progress}, {"trigger_mode", triggers}, {"missing", missing}};
  return i;
}

// FOR ALL TABLES needs a superuser; any other role publishes by table list,
// which needs it to own every table.
Item PublicationItem(const ServerFacts& s) {
  if (s.is_superuser)
    return MakeItem("source.publication", "publication", Verdict::kPass,
                    fmt::format("{} is a superuser: FOR ALL TABLES", s.user));
  std::vector<TableFacts> not_owned;
  size_t publishable = 0;
  for (const auto& t : s.tables) {
    if (t.is_partition || t.unlogged) continue;  // published through the root / not at all
    ++publishable;
    if (!t.owned) not_owned.push_back(t);
  }
  if (not_owned.empty())
    return MakeItem(
        "source.publication", "publication", Verdict::kPass,
        fmt::format("{} is not a superuser: the publication lists its {} table(s) by name (FOR "
                    "TABLE ...); a table created on the source later stops follow until it is "
                    "added with ALTER PUBLICATION hikkoshi_pub ADD TABLE",
                    s.user, publishable));
  Item i = MakeItem(
      "source.publication", "publication", Verdict::kFail,
      fmt::format("{} is not a superuser and does not own {}: it cannot create the publication "
                  "(FOR ALL TABLES needs a superuser, FOR TABLE the owner)",
                  s.user, NameList(Names(not_owned))),
      fmt::format("connect to the source as the tables' owner (on Neon: the project owner role), "
                  "or ALTER TABLE ... OWNER TO \"{}\", or leave them out with --exclude-table",
                  s.user));
  i.data["tables"] = NamesJson(not_owned);
  return i;
}

}  // namespace

void EvaluateSource(const ServerFacts& s, const RuleOptions& o, Report& r) {
  r.Add(MakeItem("source.connect", "source reachable", Verdict::kPass,
                 fmt::format("PostgreSQL {} as {} on database {}{}", s.version, s.user, s.database,
                             s.ssl ? " (TLS)" : "")));

  if (s.wal_level == "logical") {
    r.Add(MakeItem("source.wal_level", "source wal_level", Verdict::kPass, "wal_level = logical"));
  } else {
    Provider p = DetectProvider(o.source_host, o.source_port);
    std::string fix = "ALTER SYSTEM SET wal_level = logical; then restart the server";
    if (p == Provider::kRds || p == Provider::kAurora)
      fix =
          "set rds.logical_replication = 1 in the instance's parameter group (static: reboot the "
          "instance)";
    else if (p == Provider::kNeon || p == Provider::kNeonPooler)
      fix = "enable logical replication in the Neon project settings (this restarts its computes)";
    r.Add(MakeItem(
        "source.wal_level", "source wal_level", Verdict::kFail,
        fmt::format("wal_level = {}; change capture (follow) needs logical", s.wal_level), fix));
  }

  int free_slots = s.max_replication_slots - s.used_replication_slots;
  Item slots =
      MakeItem("source.replication_slots", "free replication slots",
               free_slots >= 1 ? Verdict::kPass : Verdict::kFail,
               fmt::format("{} of {} free (hikkoshi needs 1)", free_slots, s.max_replication_slots),
               free_slots >= 1 ? ""
                               : "raise max_replication_slots (restart) or drop unused slots "
                                 "(SELECT pg_drop_replication_slot(name))");
  slots.data = {{"max", s.max_replication_slots}, {"used", s.used_replication_slots}};
  r.Add(std::move(slots));

  int free_senders = s.max_wal_senders - s.used_wal_senders;
  Item senders = MakeItem(
      "source.wal_senders", "free WAL senders", free_senders >= 1 ? Verdict::kPass : Verdict::kFail,
      fmt::format("{} of {} free (hikkoshi needs 1)", free_senders, s.max_wal_senders),
      free_senders >= 1 ? "" : "raise max_wal_senders (needs a restart)");
  senders.data = {{"max", s.max_wal_senders}, {"used", s.used_wal_senders}};
  r.Add(std::move(senders));

  if (s.is_superuser || s.has_replication || s.rds_replication || s.rds_superuser) {
    std::string how = s.is_superuser      ? "superuser"
                      : s.has_replication ? "REPLICATION attribute"
                      : s.rds_replication ? "member of rds_replication"
                                          : "member of rds_superuser";
    r.Add(MakeItem("source.replication_privilege", "replication privilege", Verdict::kPass,
                   fmt::format("{} has it ({})", s.user, how)));
  } else {
    Provider p = DetectProvider(o.source_host, o.source_port);
    std::string fix = fmt::format("ALTER ROLE \"{}\" WITH REPLICATION;", s.user);
    if (p == Provider::kRds || p == Provider::kAurora)
      fix = fmt::format("GRANT rds_replication TO \"{}\";", s.user);
    if (p == Provider::kNeon || p == Provider::kNeonPooler)
      fix =
          "use the role Neon created with the project (it has REPLICATION) or ALTER ROLE ... WITH "
          "REPLICATION as that role";
    r.Add(MakeItem("source.replication_privilege", "replication privilege", Verdict::kFail,
                   fmt::format("{} is not a superuser and lacks REPLICATION", s.user), fix));
  }

  r.Add(PublicationItem(s));
  r.Add(ApplyModeItem(s, "source"));

  std::vector<TableFacts> unreadable, no_identity, unlogged, generated, partitioned;
  for (const auto& t : s.tables) {
    if (!t.can_select) unreadable.push_back(t);
    if (t.unlogged) unlogged.push_back(t);
    if (t.has_generated) generated.push_back(t);
    if (t.relkind == 'p') partitioned.push_back(t);
    // A partition's changes are published through its root; judge each leaf.
    if (t.relkind == 'r' && !t.HasUsableIdentity()) no_identity.push_back(t);
  }

  if (unreadable.empty()) {
    r.Add(MakeItem("source.select_privilege", "read access to tables", Verdict::kPass,
                   fmt::format("{} can read all {} tables", s.user, s.tables.size())));
  } else {
    Item i = MakeItem(
        "source.select_privilege", "read access to tables", Verdict::kFail,
        fmt::format("{} cannot SELECT from {}", s.user, NameList(Names(unreadable))),
        fmt::format("GRANT SELECT ON ALL TABLES IN SCHEMA ... TO \"{}\"; or run as the owner",
                    s.user));
    i.data["tables"] = NamesJson(unreadable);
    r.Add(std::move(i));
  }

  if (no_identity.empty()) {
    r.Add(MakeItem("source.replica_identity", "primary keys / replica identity", Verdict::kPass,
                   "every table has a primary key or a usable REPLICA IDENTITY"));
  } else {
    std::vector<std::string> fixes;
    for (const auto& t : no_identity)
      fixes.push_back(fmt::format("ALTER TABLE {} REPLICA IDENTITY FULL;", t.Qualified()));
    Item i = MakeItem(
        "source.replica_identity", "primary keys / replica identity", Verdict::kWarn,
        fmt::format("{} table(s) without a primary key or replica identity: {} — under logical "
                    "replication their UPDATE/DELETE fail on the source",
                    no_identity.size(), NameList(Names(no_identity))),
        fmt::format("add a primary key, or run {} (or let clone --follow do it with "
                    "--replica-identity-full, or exclude them)",
                    NameList(fixes, 3)));
    i.data["tables"] = NamesJson(no_identity);
    r.Add(std::move(i));
  }

  {
    std::vector<std::string> exts;
    for (const auto& [n, v] : s.extensions) exts.push_back(n + " " + v);
    Item i = MakeItem("source.extensions", "extensions", Verdict::kInfo,
                      exts.empty() ? "none" : NameList(exts, 20));
    i.data = s.extensions;
    r.Add(std::move(i));
  }

  if (s.large_objects > 0) {
    Item i = MakeItem(
        "source.large_objects", "large objects", Verdict::kWarn,
        fmt::format("{} large object(s): clone copies them, but logical decoding does "
                    "not carry later changes to them",
                    s.large_objects),
        "avoid writing large objects after the clone starts, or re-run clone before cutover");
    i.data["count"] = s.large_objects;
    r.Add(std::move(i));
  }
  if (!unlogged.empty()) {
    Item i =
        MakeItem("source.unlogged_tables", "unlogged tables", Verdict::kWarn,
                 fmt::format("{}: cannot be published, so they are copied once and not followed",
                             NameList(Names(unlogged))),
                 "ALTER TABLE ... SET LOGGED if their later changes matter, or exclude them");
    i.data["tables"] = NamesJson(unlogged);
    r.Add(std::move(i));
  }
  if (!generated.empty()) {
    Item i = MakeItem("source.generated_columns", "generated columns", Verdict::kInfo,
                      fmt::format("{}: generated values are recomputed on the target, not copied",
                                  NameList(Names(generated))));
    i.data["tables"] = NamesJson(generated);
    r.Add(std::move(i));
  }
  if (!partitioned.empty()) {
    Item i = MakeItem("source.partitioned_tables", "partitioned tables", Verdict::kInfo,
                      fmt::format("{}: copied per partition, followed via the root table",
                                  NameList(Names(partitioned))));
    i.data["tables"] = NamesJson(partitioned);
    r.Add(std::move(i));
  }
  if (!s.matviews.empty()) {
    Item i = MakeItem(
        "source.materialized_views", "materialized views", Verdict::kInfo,
        fmt::format("{}: refreshed on the target after the data is copied", NameList(s.matviews)));
    i.data["names"] = s.matviews;
    r.Add(std::move(i));
  }

  {
    std::vector<TableFacts> sorted = s.tables;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.bytes > b.bytes; });
    std::vector<std::string> top;
    auto tj = nlohmann::json::array();
    for (size_t k = 0; k < sorted.size(); ++k) {
      if (k < 5)
        top.push_back(fmt::format("{} {}", sorted[k].Qualified(), HumanBytes(sorted[k].bytes)));
      tj.push_back({{"schema", sorted[k].schema},
                    {"name", sorted[k].name},
                    {"bytes", sorted[k].bytes},
                    {"estimated_rows", sorted[k].est_rows}});
    }
    double secs = static_cast<double>(s.database_bytes) / (o.assumed_mb_per_s * 1024 * 1024);
    Item i = MakeItem("source.size", "database size", Verdict::kInfo,
                      fmt::format("{} in {} tables; largest: {}; copy estimate {} at {:.0f} MB/s",
                                  HumanBytes(s.database_bytes), s.tables.size(),
                                  top.empty() ? "none" : NameList(top, 5), HumanDuration(secs),
                                  o.assumed_mb_per_s));
    i.data = {
        {"database_bytes", s.database_bytes}, {"tables", tj}, {"estimated_copy_seconds", secs}};
    r.Add(std::move(i));
  }
}

void EvaluateTarget(const ServerFacts& t, const RuleOptions& o, Report& r) {
  r.Add(MakeItem("target.connect", "target reachable", Verdict::kPass,
                 fmt::format("PostgreSQL {} as {} on database {}{}", t.version, t.user, t.database,
                             t.ssl ? " (TLS)" : "")));
  if (t.user_objects == 0) {
    r.Add(MakeItem("target.empty", "target database empty", Verdict::kPass,
                   "no user tables, functions, types or extensions"));
  } else {
    Item i = MakeItem("target.empty", "target database empty",
                      o.drop_if_exists ? Verdict::kWarn : Verdict::kFail,
                      fmt::format("the target already holds {} user object(s)", t.user_objects),
                      o.drop_if_exists ? "clone --drop-if-exists will drop and replace them"
                                       : "point at an empty database, or pass --drop-if-exists to "
                                         "clone to replace what is there");
    i.data["user_objects"] = t.user_objects;
    r.Add(std::move(i));
  }
  if (t.is_superuser || t.can_create_in_db || t.rds_superuser) {
    r.Add(MakeItem("target.create_privilege", "target create privilege", Verdict::kPass,
                   fmt::format("{} can create objects in {}", t.user, t.database)));
  } else {
    r.Add(MakeItem("target.create_privilege", "target create privilege", Verdict::kFail,
                   fmt::format("{} cannot create schemas in database {}", t.user, t.database),
                   fmt::format("GRANT CREATE ON DATABASE \"{}\" TO \"{}\";", t.database, t.user)));
  }
  r.Add(ApplyModeItem(t, "target"));
  if (t.wal_level != "logical") {
    Provider p = DetectProvider(o.target_host, o.target_port);
    r.Add(MakeItem(
        "target.wal_level", "target wal_level (for rollback)", Verdict::kWarn,
        fmt::format("wal_level = {}: a rollback after cutover could not carry writes "
                    "made on the target back to the source",
                    t.wal_level),
        (p == Provider::kRds || p == Provider::kAurora)
            ? "set rds.logical_replication = 1 in the target's parameter group and reboot it"
            : "ALTER SYSTEM SET wal_level = logical on the target, then restart it"));
  } else {
    r.Add(MakeItem("target.wal_level", "target wal_level (for rollback)", Verdict::kPass,
                   "wal_level = logical: reverse replication for rollback is possible"));
  }
}

namespace {

// ALTER DATABASE ... SET / ALTER ROLE ... IN DATABASE ... SET: clone sets
// them on the target as its last step when the target user may; otherwise
// they are listed with the statements for a privileged user to run.
std::string Joined(const std::vector<std::string>& statements) {
  std::string out;
  for (const auto& st : statements) out += (out.empty() ? "" : " ") + st;
  return out;
}

void EvaluateDbSettings(const ServerFacts& s, const ServerFacts& t, Report& r) {
  std::vector<std::string> missing, statements;
  bool role_settings = false;
  for (const auto& st : s.db_settings) {
    if (std::find(t.db_settings.begin(), t.db_settings.end(), st) != t.db_settings.end()) continue;
    // cutover's freeze; clone never carries it.
    if (st.first.empty() && st.second == "default_transaction_read_only=on") continue;
    auto sql = clone::AlterConfigSql(t.database, clone::DbSetting{st.first, st.second});
    if (!sql) continue;
    missing.push_back(st.first.empty() ? st.second : st.second + " (role " + st.first + ")");
    statements.push_back(*sql + ";");
    role_settings |= !st.first.empty();
  }
  if (missing.empty()) {
    r.Add(MakeItem("pair.db_settings", "database settings", Verdict::kPass,
                   s.db_settings.empty() ? "the source database sets no parameters"
                                         : "the target database has the source's settings"));
    return;
  }
  bool can = t.is_superuser || (t.owns_database && !role_settings);
  Item i =
      can ? MakeItem("pair.db_settings", "database settings", Verdict::kInfo,
                     fmt::format("clone sets them on the target as its last step: {}",
                                 NameList(missing)))
          : MakeItem("pair.db_settings", "database settings", Verdict::kWarn,
                     fmt::format("the target user may not set {} (needs a superuser{}); "
                                 "clone skips them with a warning",
                                 NameList(missing), role_settings ? "" : " or the database owner"),
                     "run as a superuser on the target: " + Joined(statements));
  i.data["statements"] = statements;
  r.Add(std::move(i));
}

// Roles the source's schema names that the target lacks: pg_restore fails on
// them unless clone leaves owners/grants out or creates them.
void EvaluateRoles(const ServerFacts& s, const ServerFacts& t, Report& r) {
  std::vector<clone::RoleRef> missing;
  for (const auto& role : s.referenced_roles)
    if (!std::binary_search(t.roles.begin(), t.roles.end(), role.name)) missing.push_back(role);
  if (missing.empty()) {
    r.Add(MakeItem("pair.roles", "roles on target", Verdict::kPass,
                   s.referenced_roles.empty()
                       ? "the schema names no role besides predefined ones"
                       : fmt::format("the target has all {} role(s) the schema names",
                                     s.referenced_roles.size())));
    return;
  }
  std::vector<std::string> names;
  auto j = nlohmann::json::array();
  for (const auto& m : missing) {
    std::vector<std::string> as;
    if (m.owner) as.push_back("owner");
    if (m.acl) as.push_back("grantee");
    if (m.policy) as.push_back("policy role");
    names.push_back(m.name + " (" + NameList(as) + ")");
    j.push_back({{"name", m.name}, {"owner", m.owner}, {"grantee", m.acl}, {"policy", m.policy}});
  }
  auto statements = clone::CreateRoleStatements(missing, t.user, t.is_superuser);
  Item i = MakeItem("pair.roles", "roles on target", Verdict::kWarn,
                    fmt::format("the target lacks {} role(s) the schema names: {}; clone refuses "
                                "until they exist, unless run with --create-roles or --no-owner "
                                "--no-acl",
                                missing.size(), NameList(names, 20)),
                    "run on the target: " + Joined(statements) +
                        " (or clone --create-roles does it; passwords are not copied: set them "
                        "for roles that log in)");
  i.data["roles"] = j;
  i.data["statements"] = statements;
  r.Add(std::move(i));
}

}  // namespace

void EvaluatePair(const ServerFacts& s, const ServerFacts& t, const RuleOptions& o, Report& r) {
  (void)o;
  bool same = (!s.system_identifier.empty() && s.system_identifier == t.system_identifier &&
               s.database == t.database) ||
              (s.server_addr == t.server_addr && s.server_addr != "local socket" &&
               s.database == t.database && o.source_port == o.target_port &&
               o.source_host == o.target_host);
  if (same) {
    r.Add(MakeItem("pair.distinct", "source and target differ", Verdict::kFail,
                   fmt::format("source and target are the same database ({})", s.database),
                   "point --target at the new server"));
  }
  int sm = Major(s.version_num), tm = Major(t.version_num);
  if (tm < sm) {
    r.Add(MakeItem("pair.versions", "server versions", Verdict::kFail,
                   fmt::format("target {} is older than source {}: its pg_dump/pg_restore cannot "
                               "load a newer server's schema reliably",
                               t.version, s.version),
                   "create the target with the same or a newer major version"));
  } else {
    r.Add(MakeItem("pair.versions", "server versions", Verdict::kPass,
                   fmt::format("source {} → target {}{}", s.version, t.version,
                               tm > sm ? " (a major upgrade on the way)" : "")));
  }
  if (s.encoding != t.encoding) {
    r.Add(MakeItem("pair.encoding", "database encoding", Verdict::kWarn,
                   fmt::format("source {} vs target {}: characters that the target encoding cannot "
                               "represent make the copy fail",
                               s.encoding, t.encoding),
                   fmt::format("create the target database with ENCODING '{}'", s.encoding)));
  } else {
    r.Add(MakeItem("pair.encoding", "database encoding", Verdict::kPass, s.encoding));
  }
  bool collation_same = s.collate == t.collate && s.ctype == t.ctype &&
                        s.locale_provider == t.locale_provider && s.icu_locale == t.icu_locale;
  std::string sl = fmt::format("{} {}/{}{}", s.locale_provider, s.collate, s.ctype,
                               s.icu_locale.empty() ? "" : " icu " + s.icu_locale);
  std::string tl = fmt::format("{} {}/{}{}", t.locale_provider, t.collate, t.ctype,
                               t.icu_locale.empty() ? "" : " icu " + t.icu_locale);
  if (collation_same) {
    r.Add(MakeItem("pair.collation", "collation and ctype", Verdict::kPass, sl));
  } else {
    r.Add(MakeItem("pair.collation", "collation and ctype", Verdict::kWarn,
                   fmt::format("source {} vs target {}: text sorts differently, so ORDER BY "
                               "results, range queries on text indexes and uniqueness of "
                               "case/accent variants can change",
                               sl, tl),
                   fmt::format("create the target database with LC_COLLATE '{}' LC_CTYPE '{}' "
                               "(TEMPLATE template0)",
                               s.collate, s.ctype)));
  }

  std::vector<std::string> missing, older, provider_only;
  auto mj = nlohmann::json::array();
  for (const auto& [name, version] : s.extensions) {
    if (name == "plpgsql") continue;
    auto it = t.available_extensions.find(name);
    if (it == t.available_extensions.end() && clone::IsProviderOnlyExtension(name)) {
      provider_only.push_back(name);
      mj.push_back({{"name", name},
                    {"source_version", version},
                    {"target_available", nullptr},
                    {"provider_only", true}});
      continue;
    }
    if (it == t.available_extensions.end()) {
      missing.push_back(name + " " + version);
      mj.push_back({{"name", name}, {"source_version", version}, {"target_available", nullptr}});
    } else {
      mj.push_back({{"name", name}, {"source_version", version}, {"target_available", it->second}});
      if (it->second != version && it->second < version)
        older.push_back(fmt::format("{} {} (target has {})", name, version, it->second));
    }
  }
  std::string note =
      provider_only.empty()
          ? ""
          : fmt::format(
                "; left out by clone: {} (the source provider's own, not installable "
                "elsewhere)",
                NameList(provider_only));
  if (!missing.empty()) {
    Item i = MakeItem("pair.extensions", "extensions on target", Verdict::kFail,
                      fmt::format("the target cannot install {}{}", NameList(missing), note),
                      "install the extension packages on the target server (on RDS: check "
                      "the supported-extensions list for its engine version)");
    i.data["extensions"] = mj;
    r.Add(std::move(i));
  } else if (!older.empty()) {
    Item i = MakeItem(
        "pair.extensions", "extensions on target", Verdict::kWarn,
        fmt::format("older default versions on the target: {}{}", NameList(older), note),
        "upgrade the extension on the target after the clone (ALTER EXTENSION ... UPDATE)");
    i.data["extensions"] = mj;
    r.Add(std::move(i));
  } else {
    Item i = MakeItem("pair.extensions", "extensions on target", Verdict::kPass,
                      "the target can install every extension the source uses" + note);
    i.data["extensions"] = mj;
    r.Add(std::move(i));
  }
  EvaluateDbSettings(s, t, r);
  EvaluateRoles(s, t, r);
}

namespace {

std::string Setting(const ServerFacts* f, const std::string& name) {
  if (!f) return "";
  auto it = f->settings.find(name);
  return it == f->settings.end() ? "" : it->second;
}

bool Off(const std::string& v) { return v == "off" || v == "0" || v == "false"; }

}  // namespace

std::string NeonDirectHost(const std::string& host) {
  std::string out = host;
  size_t dot = out.find('.');
  size_t at = out.find("-pooler");
  if (at != std::string::npos && (dot == std::string::npos || at < dot)) out.erase(at, 7);
  return out;
}

void EvaluateProviders(const ServerFacts* s, const ServerFacts* t, const RuleOptions& o,
                       Report& r) {
  Provider sp = DetectProvider(o.source_host, o.source_port);
  Provider tp = DetectProvider(o.target_host, o.target_port);
  bool tls_verified_src = o.source_sslmode == "verify-full";
  bool tls_verified_tgt = o.target_sslmode == "verify-full";
  if (sp == Provider::kNeonPooler) {
    std::string direct = NeonDirectHost(o.source_host);
    Item i = MakeItem("provider.source", "source provider", Verdict::kFail,
                      "Neon pooled endpoint (-pooler in the host " + o.source_host +
                          "): it cannot carry replication connections",
                      "use the direct endpoint: host " + direct);
    i.data["direct_host"] = direct;
    r.Add(std::move(i));
  } else if (sp == Provider::kNeon) {
    r.Add(MakeItem("provider.source", "source provider", Verdict::kWarn,
                   "Neon removes a replication slot that stays inactive for about 40 hours (and "
                   "every slot on a branch restore): if follow is stopped that long, the slot and "
                   "the changes since are lost and the clone must start over",
                   "keep `hikkoshi follow` running until cutover (under a supervisor); `hikkoshi "
                   "status` shows how long ago it last confirmed"));
    if (s && s->wal_level != "logical")
      r.Add(MakeItem("provider.source.logical_replication", "Neon logical replication",
                     Verdict::kFail, "logical replication is not enabled for this Neon project",
                     "Neon Console: Project settings → Logical Replication → Enable (restarts the "
                     "project's computes; it cannot be switched off again), then rerun check"));
  } else if (sp == Provider::kRds || sp == Provider::kAurora) {
    r.Add(MakeItem("provider.source", "source provider", Verdict::kInfo,
                   "AWS RDS/Aurora: replication needs rds.logical_replication = 1 in the parameter "
                   "group (static, reboot) and the rds_replication role"));
  } else if (sp == Provider::kSupabasePooler) {
    r.Add(MakeItem("provider.source", "source provider", Verdict::kFail,
                   "Supabase pooler endpoint: it cannot carry replication connections",
                   "use the direct connection (db.<project>.supabase.co, port 5432)"));
  }
  if (sp != Provider::kUnknown && !tls_verified_src)
    r.Add(MakeItem("provider.source.tls", "source TLS", Verdict::kWarn,
                   fmt::format("sslmode is {}: the server's certificate is not checked",
                               o.source_sslmode.empty() ? "not set (prefer)" : o.source_sslmode),
                   "add sslmode=verify-full (and sslrootcert=system, or the provider's CA "
                   "bundle) to the source URL"));

  if (tp == Provider::kRds || tp == Provider::kAurora) {
    r.Add(MakeItem("provider.target", "target provider", Verdict::kInfo,
                   "AWS RDS/Aurora target: there is no real superuser; connect as the master user "
                   "(rds_superuser)"));
    std::string logical = Setting(t, "rds.logical_replication");
    if (Off(logical) || (t && t->wal_level != "logical"))
      r.Add(MakeItem("provider.target.logical_replication", "RDS logical replication (rollback)",
                     Verdict::kWarn,
                     "rds.logical_replication is off on the target: after cutover, reverse "
                     "replication is impossible, so a rollback cannot carry writes made on the "
                     "target back to the source",
                     "set rds.logical_replication = 1 in the target's DB parameter group (static: "
                     "reboot the instance) before cutover"));
    if (t && !t->is_superuser && !t->has_replication && !t->rds_replication)
      r.Add(MakeItem("provider.target.replication_role", "rds_replication (rollback)",
                     Verdict::kWarn,
                     fmt::format("{} is not a member of rds_replication: reverse replication for a "
                                 "rollback cannot create its slot on the target",
                                 t->user),
                     fmt::format("GRANT rds_replication TO \"{}\";", t->user)));
    std::string force = Setting(t, "rds.force_ssl");
    if (!tls_verified_tgt)
      r.Add(MakeItem("provider.target.tls", "target TLS", Verdict::kWarn,
                     fmt::format("rds.force_ssl is {}; sslmode is {}: the server's certificate is "
                                 "not checked",
                                 force.empty() ? "unknown" : force,
                                 o.target_sslmode.empty() ? "not set (prefer)" : o.target_sslmode),
                     "add sslmode=verify-full&sslrootcert=/path/to/global-bundle.pem (the RDS CA "
                     "bundle) to the target URL"));
  } else if (tp == Provider::kNeonPooler || tp == Provider::kSupabasePooler) {
    r.Add(MakeItem("provider.target", "target provider", Verdict::kWarn,
                   "the target is a pooled endpoint: session settings and COPY can misbehave "
                   "through a transaction pooler",
                   "use the direct endpoint for the migration"));
  }
}

}  // namespace hk::check
