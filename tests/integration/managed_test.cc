// Managed services as the migration meets them: a Neon-like owner role on the
// source and an RDS-like admin on the target, neither a superuser, TLS with
// verify-full and scram-sha-256 only (pgcluster --managed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/exit_codes.h"
#include "support/harness.h"

namespace hk::test {
namespace {

const char* kSchema = R"SQL(
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers(id),
                     total numeric(10,2) NOT NULL);
CREATE TABLE events (at timestamptz NOT NULL DEFAULT now(), what text);
INSERT INTO customers (name) SELECT 'c' || g FROM generate_series(1, 20) g;
INSERT INTO orders (customer_id, total) SELECT 1 + g % 20, g * 1.5 FROM generate_series(1, 50) g;
INSERT INTO events (what) SELECT 'e' || g FROM generate_series(1, 10) g;
)SQL";

std::string Digest(Cluster& c, const std::string& table, const std::string& db = "app") {
  return c.Value(
      "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY "
      "t::text)), '') FROM " +
          table + " t",
      db);
}

std::string WorkDir(const std::string& tag) {
  std::string d = "/tmp/hk-managed-" + tag + "-" + std::to_string(getpid());
  RunShell("rm -rf " + d);
  return d;
}

struct Pair {
  Cluster src{"mg-src", {"--managed"}};
  Cluster tgt{"mg-tgt", {"--managed"}};
  ManagedRole owner, admin;
  explicit Pair(bool source_grants = false, bool target_grants = true) {
    src.CreateDatabase("app");
    src.Sql(kSchema, "app");
    owner = CreateNeonLikeOwner(src, "app", source_grants);
    admin = CreateRdsLikeAdmin(tgt, "app", target_grants);
  }
};

TEST(Managed, CloneFollowVerifyCleanupAsManagedRoles) {
  Pair p;
  std::string dir = WorkDir("story");
  auto chk = RunHikkoshi({"check", "--source", p.owner.uri, "--target", p.admin.uri});
  EXPECT_LE(chk.exit_code, 1) << chk.out << chk.err;
  auto r =
      RunHikkoshi({"clone", "--follow", "--until-caught-up", "--replica-identity-full",
                   "--no-owner", "--source", p.owner.uri, "--target", p.admin.uri, "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // No sequence moves: sequences are carried at cutover, and verify compares them.
  p.src.Sql(
      "INSERT INTO events (what) VALUES ('late'); UPDATE orders SET total = total + 1 "
      "WHERE id < 5; DELETE FROM events WHERE what = 'e3'; UPDATE customers SET name = "
      "'renamed' WHERE id = 2",
      "app");
  auto f = RunHikkoshi({"follow", "--until-caught-up", "--source", p.owner.uri, "--target",
                        p.admin.uri, "--dir", dir});
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  for (const char* t : {"customers", "orders", "events"})
    EXPECT_EQ(Digest(p.src, t), Digest(p.tgt, t)) << t;
  auto v = RunHikkoshi({"verify", "--source", p.owner.uri, "--target", p.admin.uri});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  auto c = RunHikkoshi({"cleanup", "--source", p.owner.uri, "--target", p.admin.uri, "--dir", dir});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  EXPECT_EQ(p.src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  EXPECT_EQ(p.src.Value("SELECT count(*) FROM pg_publication", "app"), "0");
  RunShell("rm -rf " + dir);
}

// A publication by table list does not grow: a table created after the setup
// is the DDL case. follow stops, names it and the command that adds it.
TEST(Managed, FollowStopsAtATableCreatedAfterTheSetup) {
  Pair p;
  std::string dir = WorkDir("newtable");
  auto r =
      RunHikkoshi({"clone", "--follow", "--until-caught-up", "--replica-identity-full",
                   "--no-owner", "--source", p.owner.uri, "--target", p.admin.uri, "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Not FOR ALL TABLES (that needs a superuser): the tables by name.
  EXPECT_EQ(p.src.Value("SELECT puballtables::text || ':' || (SELECT count(*) FROM "
                        "pg_publication_tables WHERE pubname = 'hikkoshi_pub') FROM pg_publication",
                        "app"),
            "false:3");
  p.src.Sql(
      "SET ROLE neondb_owner; CREATE TABLE late_table (id int PRIMARY KEY); "
      "INSERT INTO late_table VALUES (1)",
      "app");
  auto f = RunHikkoshi({"follow", "--until-caught-up", "--source", p.owner.uri, "--target",
                        p.admin.uri, "--dir", dir});
  EXPECT_EQ(f.exit_code, kExitBlocked) << f.out << f.err;
  EXPECT_NE(f.err.find("public.late_table"), std::string::npos) << f.err;
  EXPECT_NE(f.err.find("ALTER PUBLICATION hikkoshi_pub ADD TABLE public.late_table"),
            std::string::npos)
      << f.err;
  // Adding it as told lets follow go on.
  p.tgt.Sql("CREATE TABLE late_table (id int PRIMARY KEY); INSERT INTO late_table VALUES (1)",
            "app");
  p.src.Sql("ALTER PUBLICATION hikkoshi_pub ADD TABLE public.late_table", "app");
  p.src.Sql("INSERT INTO late_table VALUES (2)", "app");
  f = RunHikkoshi({"follow", "--until-caught-up", "--source", p.owner.uri, "--target", p.admin.uri,
                   "--dir", dir});
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_EQ(p.tgt.Value("SELECT string_agg(id::text, ',' ORDER BY id) FROM late_table", "app"),
            "1,2");
  RunHikkoshi({"cleanup", "--source", p.owner.uri, "--target", p.admin.uri, "--dir", dir});
  RunShell("rm -rf " + dir);
}

// A REPLICATION role that owns none of the tables can create a slot but not
// the publication: clone --follow refuses before changing anything.
TEST(Managed, ReplicationOnlyRoleIsRefusedBeforeAnythingChanges) {
  Pair p;
  p.src.Sql(
      "CREATE ROLE repl_only LOGIN REPLICATION PASSWORD 'pw-repl-9'; "
      "GRANT pg_read_all_data TO repl_only",
      "app");
  std::string uri = p.src.TlsUri("repl_only", "pw-repl-9", "app");
  std::string dir = WorkDir("replonly");
  auto r = RunHikkoshi({"clone", "--follow", "--replica-identity-full", "--no-owner", "--source",
                        uri, "--target", p.admin.uri, "--dir", dir});
  EXPECT_EQ(r.exit_code, kExitBlocked) << r.out << r.err;
  EXPECT_NE(r.err.find("does not own"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("public.customers"), std::string::npos) << r.err;
  EXPECT_EQ(p.src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  EXPECT_EQ(p.src.Value("SELECT count(*) FROM pg_publication", "app"), "0");
  // events has no key: its replica identity was left alone.
  EXPECT_EQ(p.src.Value("SELECT relreplident FROM pg_class WHERE relname = 'events'", "app"), "d");
  EXPECT_EQ(p.tgt.Value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", "app"), "0");
  RunShell("rm -rf " + dir);
}

// A role without pg_read_all_settings (no pg_monitor) on either side: the
// source/target identity comparison used to read data_directory and fail.
TEST(Managed, PlainCloneWithoutMonitoringPrivileges) {
  Pair p;
  p.src.Sql("CREATE ROLE reader LOGIN PASSWORD 'pw-reader-3'; GRANT pg_read_all_data TO reader",
            "app");
  p.tgt.Sql("CREATE ROLE loader LOGIN PASSWORD 'pw-loader-4'; ALTER DATABASE app OWNER TO loader");
  std::string dir = WorkDir("plain");
  auto r = RunHikkoshi({"clone", "--no-owner", "--no-acl", "--source",
                        p.src.TlsUri("reader", "pw-reader-3", "app"), "--target",
                        p.tgt.TlsUri("loader", "pw-loader-4", "app"), "--dir", dir});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* t : {"customers", "orders", "events"})
    EXPECT_EQ(Digest(p.src, t), Digest(p.tgt, t)) << t;
  // The same database as source and target is still refused.
  std::string dir2 = WorkDir("plain-same");
  r = RunHikkoshi({"clone", "--no-owner", "--source", p.src.TlsUri("reader", "pw-reader-3", "app"),
                   "--target", p.src.TlsUri("reader", "pw-reader-3", "app"), "--dir", dir2});
  EXPECT_EQ(r.exit_code, kExitBlocked) << r.out << r.err;
  EXPECT_NE(r.err.find("same database"), std::string::npos) << r.err;
  RunShell("rm -rf " + dir + " " + dir2);
}

const nlohmann::json& Item(const nlohmann::json& report, const std::string& id) {
  static const nlohmann::json none;
  for (const auto& i : report["items"])
    if (i["id"] == id) return i;
  ADD_FAILURE() << "no item " << id << " in " << report.dump();
  return none;
}

// check tests capabilities as capabilities and says which apply mode each
// direction uses; a REPLICATION role that cannot publish is a blocker.
TEST(Managed, CheckReportsCapabilitiesAndApplyModes) {
  Pair p(/*source_grants=*/false, /*target_grants=*/false);
  auto r = RunHikkoshi({"check", "--json", "--source", p.owner.uri, "--target", p.admin.uri});
  EXPECT_EQ(r.exit_code, kExitWarnings) << r.out << r.err;  // events has no key
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(Item(j, "source.publication")["verdict"], "PASS");
  const auto& apply = Item(j, "target.apply_privilege");
  EXPECT_EQ(apply["verdict"], "INFO");
  EXPECT_EQ(apply["data"]["progress_mode"], "progress-table");
  EXPECT_EQ(apply["data"]["trigger_mode"], "disable-triggers");
  EXPECT_EQ(apply["data"]["missing"].size(), 2u);
  EXPECT_EQ(Item(j, "source.apply_privilege")["data"]["progress_mode"], "progress-table");
  for (const auto& i : j["items"])
    EXPECT_EQ(i["detail"].get<std::string>().find("superuser (nor rds_superuser)"),
              std::string::npos);

  // The same target with the grants: origins and session_replication_role.
  ManagedRole granted = CreateRdsLikeAdmin(p.tgt, "app", true, "rds_admin_granted");
  r = RunHikkoshi({"check", "--json", "--source", p.owner.uri, "--target", granted.uri});
  j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  EXPECT_EQ(Item(j, "target.apply_privilege")["verdict"], "PASS");
  EXPECT_EQ(Item(j, "target.apply_privilege")["data"]["progress_mode"], "origin");
  EXPECT_EQ(Item(j, "target.apply_privilege")["data"]["trigger_mode"], "replica-role");

  p.src.Sql(
      "CREATE ROLE repl_only LOGIN REPLICATION PASSWORD 'pw-repl-9'; "
      "GRANT pg_read_all_data TO repl_only",
      "app");
  r = RunHikkoshi({"check", "--source", p.src.TlsUri("repl_only", "pw-repl-9", "app"), "--target",
                   p.admin.uri});
  EXPECT_EQ(r.exit_code, kExitBlocked) << r.out << r.err;
  EXPECT_NE(r.out.find("[FAIL] publication"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("does not own"), std::string::npos) << r.out;
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// pg_dump / pg_restore that record their command line and their PGSSL*
// environment, then run the real tool.
std::string MakeToolSpies(const std::string& dir) {
  auto bindir = RunShell("pg_config --bindir");
  std::string real = bindir.out.substr(0, bindir.out.find('\n'));
  std::filesystem::create_directories(dir);
  for (const char* tool : {"pg_dump", "pg_restore"}) {
    std::string p = dir + "/" + tool;
    std::ofstream(p) << "#!/bin/sh\n"
                     << "if [ \"$1\" != --version ]; then\n"
                     << "  printf '%s\\n' \"$*\" >> " << dir << "/argv.txt\n"
                     << "  env | grep '^PGSSL' >> " << dir << "/env.txt\n"
                     << "fi\n"
                     << "exec " << real << "/" << tool << " \"$@\"\n";
    std::filesystem::permissions(p, std::filesystem::perms::owner_all);
  }
  return dir;
}

// TLS with verify-full on every connection, pg_dump/pg_restore included,
// whose TLS settings come through the environment, never the command line.
// A wrong CA or host name: exit 5, one sentence and the fix, nothing changed.
TEST(Managed, VerifyFullEverywhereAndWrongCertificatesExit5) {
  Pair p;
  std::string dir = WorkDir("tls");
  std::string spies = MakeToolSpies(dir + "/spies");
  auto c = RunHikkoshi({"clone", "--no-owner", "--source", p.owner.uri, "--target", p.admin.uri,
                        "--dir", dir + "/work"},
                       {{"PATH", spies + ":" + std::string(std::getenv("PATH"))}});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  std::string argv = Slurp(dir + "/spies/argv.txt");
  EXPECT_NE(argv.find("--snapshot"), std::string::npos) << "the spies were not used: " << argv;
  EXPECT_NE(argv.find("--list"), std::string::npos) << "pg_restore was not spied on: " << argv;
  EXPECT_EQ(argv.find("ssl"), std::string::npos) << "TLS settings on a command line: " << argv;
  std::string env = Slurp(dir + "/spies/env.txt");
  EXPECT_NE(env.find("PGSSLMODE=verify-full"), std::string::npos) << env;
  EXPECT_NE(env.find("PGSSLROOTCERT=" + p.src.CaFile()), std::string::npos) << env;
  EXPECT_NE(env.find("PGSSLROOTCERT=" + p.tgt.CaFile()), std::string::npos) << env;
  // Every session hikkoshi held was TLS (pg_hba allows nothing else); the
  // replication connection of clone --follow too.
  auto f = RunHikkoshi({"clone", "--follow", "--until-caught-up", "--replica-identity-full",
                        "--no-owner", "--drop-if-exists", "--source", p.owner.uri, "--target",
                        p.admin.uri, "--dir", dir + "/follow"});
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  RunHikkoshi(
      {"cleanup", "--source", p.owner.uri, "--target", p.admin.uri, "--dir", dir + "/follow"});

  // The source's CA for the target: the certificate is not accepted.
  std::string wrong_ca =
      p.admin.uri.substr(0, p.admin.uri.find("sslrootcert=")) + "sslrootcert=" + p.src.CaFile();
  auto r = RunHikkoshi({"check", "--source", p.owner.uri, "--target", wrong_ca});
  EXPECT_EQ(r.exit_code, kExitAuth) << r.out << r.err;
  EXPECT_NE(r.err.find("TLS certificate of the server"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fix: check sslrootcert"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(p.admin.password), std::string::npos) << r.err;
  // A host name the certificate does not name (reached at the right address).
  std::string wrong_host =
      "postgresql://" + p.owner.user + ":" + p.owner.password +
      "@wrong.example:" + std::to_string(p.src.port()) +
      "/app?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=" + p.src.CaFile();
  r = RunHikkoshi({"check", "--source", wrong_host, "--target", p.admin.uri});
  EXPECT_EQ(r.exit_code, kExitAuth) << r.out << r.err;
  EXPECT_NE(r.err.find("does not match host name \"wrong.example\""), std::string::npos) << r.err;
  // clone --follow with a wrong target CA leaves the source untouched.
  r = RunHikkoshi({"clone", "--follow", "--replica-identity-full", "--no-owner", "--source",
                   p.owner.uri, "--target", wrong_ca, "--dir", dir + "/refused"});
  EXPECT_EQ(r.exit_code, kExitAuth) << r.out << r.err;
  EXPECT_EQ(p.src.Value("SELECT count(*) FROM pg_replication_slots"), "0");
  EXPECT_EQ(p.src.Value("SELECT count(*) FROM pg_publication", "app"), "0");
  RunShell("rm -rf " + dir);
}

// Roles the schema names (owner, grantee, policy role, default privileges)
// that the target lacks: check names them with the statements to run, clone
// refuses before changing anything, and --create-roles creates them NOLOGIN.
TEST(Managed, MissingRolesAreNamedAndCreatedOnRequest) {
  Pair p;
  p.src.Sql(
      "CREATE ROLE reporting NOLOGIN; CREATE ROLE app_rw NOLOGIN; "
      "GRANT SELECT ON customers TO reporting; "
      "ALTER TABLE orders ENABLE ROW LEVEL SECURITY; "
      "CREATE POLICY mine ON orders TO app_rw USING (true); "
      "ALTER DEFAULT PRIVILEGES FOR ROLE neondb_owner GRANT SELECT ON TABLES TO reporting",
      "app");
  ReassignToRole(p.src, "app", "neondb_owner");
  auto r = RunHikkoshi({"check", "--json", "--source", p.owner.uri, "--target", p.admin.uri});
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out << r.err;
  const auto& roles = Item(j, "pair.roles");
  EXPECT_EQ(roles["verdict"], "WARN");
  std::string detail = roles["detail"];
  for (const char* want : {"neondb_owner (owner", "reporting (grantee)", "app_rw (policy role)"})
    EXPECT_NE(detail.find(want), std::string::npos) << want << " in " << detail;
  std::string fix = roles["fix"];
  EXPECT_NE(fix.find("CREATE ROLE \"reporting\" NOLOGIN; GRANT \"reporting\" TO \"rds_admin\";"),
            std::string::npos)
      << fix;
  EXPECT_EQ(roles["data"]["statements"].size(), 3u) << roles.dump();

  std::string dir = WorkDir("roles");
  r = RunHikkoshi({"clone", "--source", p.owner.uri, "--target", p.admin.uri, "--dir", dir});
  EXPECT_EQ(r.exit_code, kExitBlocked) << r.out << r.err;
  EXPECT_NE(r.err.find("app_rw, neondb_owner, reporting"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--create-roles"), std::string::npos) << r.err;
  EXPECT_EQ(p.tgt.Value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", "app"), "0");
  EXPECT_EQ(p.tgt.Value("SELECT count(*) FROM pg_roles WHERE rolname = 'reporting'"), "0");

  r = RunHikkoshi(
      {"clone", "--create-roles", "--source", p.owner.uri, "--target", p.admin.uri, "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(p.tgt.Value("SELECT string_agg(rolname || ':' || rolcanlogin, ',' ORDER BY rolname) "
                        "FROM pg_roles WHERE rolname IN ('app_rw', 'neondb_owner', 'reporting')"),
            "app_rw:false,neondb_owner:false,reporting:false");
  EXPECT_EQ(p.tgt.Value("SELECT tableowner FROM pg_tables WHERE tablename = 'orders'", "app"),
            "neondb_owner");
  EXPECT_EQ(p.tgt.Value("SELECT has_table_privilege('reporting', 'customers', 'SELECT')", "app"),
            "t");
  EXPECT_EQ(p.tgt.Value("SELECT count(*) FROM pg_policy WHERE polname = 'mine'", "app"), "1");
  RunShell("rm -rf " + dir);
}

// --role-map OLD=NEW: owners, grantees and policy roles renamed on the target,
// both to a role that exists there (the admin) and to one that does not.
TEST(Managed, RoleMapRenamesOwnersGranteesAndPolicyRoles) {
  Pair p;
  p.src.Sql(
      "CREATE ROLE reporting NOLOGIN; CREATE ROLE app_rw NOLOGIN; "
      "GRANT SELECT ON customers TO reporting; GRANT UPDATE (name) ON customers TO app_rw; "
      "ALTER TABLE orders ENABLE ROW LEVEL SECURITY; "
      "CREATE POLICY mine ON orders TO app_rw, reporting USING (true)",
      "app");
  ReassignToRole(p.src, "app", "neondb_owner");
  // Default privileges of the mapped owner: global (a whole ACL, with a
  // revoke from PUBLIC) and per schema, with a mapped grantee.
  p.src.Sql(
      "ALTER DEFAULT PRIVILEGES FOR ROLE neondb_owner GRANT SELECT ON TABLES TO reporting;"
      "ALTER DEFAULT PRIVILEGES FOR ROLE neondb_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;"
      "ALTER DEFAULT PRIVILEGES FOR ROLE neondb_owner IN SCHEMA public GRANT USAGE ON SEQUENCES "
      "TO reporting",
      "app");
  std::string dir = WorkDir("rolemap");
  auto r = RunHikkoshi({"clone", "--role-map", "neondb_owner=rds_admin", "--role-map",
                        "reporting=analyst", "--role-map", "app_rw=rds_admin", "--source",
                        p.owner.uri, "--target", p.admin.uri, "--dir", dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto v = [&](const std::string& q) { return p.tgt.Value(q, "app"); };
  EXPECT_EQ(v("SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = "
              "'public'"),
            "rds_admin");
  EXPECT_EQ(v("SELECT has_table_privilege('analyst', 'customers', 'SELECT')"), "t");
  EXPECT_EQ(v("SELECT has_column_privilege('rds_admin', 'customers', 'name', 'UPDATE')"), "t");
  EXPECT_EQ(
      v("SELECT array_to_string(ARRAY(SELECT rolname FROM pg_roles WHERE oid = ANY (polroles) "
        "ORDER BY 1), ',') FROM pg_policy WHERE polname = 'mine'"),
      "analyst,rds_admin");
  // No stand-in is left behind, nor any source role name.
  EXPECT_EQ(p.tgt.Value("SELECT count(*) FROM pg_roles WHERE rolname IN ('neondb_owner', "
                        "'reporting', 'app_rw')"),
            "0");
  EXPECT_EQ(p.tgt.Value("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'analyst'"), "f");
  // The defaults now hold for what rds_admin creates.
  p.tgt.Sql("SET ROLE rds_admin; CREATE TABLE after_clone (id int); CREATE SEQUENCE after_seq;"
            "CREATE FUNCTION after_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            "app");
  EXPECT_EQ(v("SELECT has_table_privilege('analyst', 'public.after_clone', 'SELECT')"), "t");
  EXPECT_EQ(v("SELECT has_sequence_privilege('analyst', 'public.after_seq', 'USAGE')"), "t");
  EXPECT_EQ(v("SELECT has_function_privilege('analyst', 'public.after_fn()', 'EXECUTE')"), "f");
  EXPECT_EQ(v("SELECT count(*) FROM pg_default_acl d JOIN pg_roles r ON r.oid = d.defaclrole "
              "WHERE r.rolname = 'rds_admin'"),
            "3");
  for (const char* t : {"customers", "orders", "events"})
    EXPECT_EQ(Digest(p.src, t), Digest(p.tgt, t)) << t;
  RunShell("rm -rf " + dir);
}

}  // namespace
}  // namespace hk::test
