#include "support/harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hk::test {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string TrimNl(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::atomic<int> g_counter{0};

}  // namespace

std::string SourceDir() { return HIKKOSHI_SOURCE_DIR; }

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

ProcessResult RunShell(const std::string& command) {
  char out_tmpl[] = "/tmp/hk-test-out-XXXXXX";
  char err_tmpl[] = "/tmp/hk-test-err-XXXXXX";
  int fo = mkstemp(out_tmpl);
  int fe = mkstemp(err_tmpl);
  close(fo);
  close(fe);
  std::string full = "( " + command + " ) >" + out_tmpl + " 2>" + err_tmpl + " </dev/null";
  int st = std::system(full.c_str());
  ProcessResult r;
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = ReadFile(out_tmpl);
  r.err = ReadFile(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  return r;
}

ProcessResult RunHikkoshi(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  std::string cmd;
  for (const auto& [k, v] : env) cmd += k + "=" + ShellQuote(v) + " ";
  cmd += ShellQuote(HIKKOSHI_BINARY);
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  return RunShell(cmd);
}

void BackgroundHikkoshi::Start() {
  pid_ = fork();
  if (pid_ == 0) {
    int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    std::string bin = HIKKOSHI_BINARY;
    argv.push_back(bin.data());
    for (auto& a : args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
}

int BackgroundHikkoshi::Signal(int sig) {
  if (pid_ <= 0) return -1;
  if (sig) kill(pid_, sig);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int BackgroundHikkoshi::Kill() { return Signal(SIGKILL); }

bool BackgroundHikkoshi::Alive() {
  if (pid_ <= 0) return false;
  int st;
  return waitpid(pid_, &st, WNOHANG) == 0;
}

BackgroundHikkoshi::~BackgroundHikkoshi() {
  if (pid_ > 0) Signal(SIGKILL);
}

Cluster::Cluster(const std::string& label, const std::vector<std::string>& extra) {
  name_ = "t" + std::to_string(getpid()) + "-" + std::to_string(g_counter++) + "-" + label;
  std::string cmd = ShellQuote(SourceDir() + "/scripts/pgcluster") + " start " + ShellQuote(name_);
  for (const auto& e : extra) cmd += " " + ShellQuote(e);
  ProcessResult r = RunShell(cmd);
  if (r.exit_code != 0) {
    ADD_FAILURE() << "pgcluster start failed: " << r.err;
    throw std::runtime_error("cannot start cluster " + name_ + ": " + r.err);
  }
  uri_ = TrimNl(r.out);
  auto colon = uri_.rfind(':');
  auto slash = uri_.rfind('/');
  port_ = std::stoi(uri_.substr(colon + 1, slash - colon - 1));
}

Cluster::~Cluster() {
  RunShell(ShellQuote(SourceDir() + "/scripts/pgcluster") + " stop " + ShellQuote(name_));
}

std::string Cluster::Uri(const std::string& db) const {
  return uri_.substr(0, uri_.rfind('/') + 1) + db;
}

std::string Cluster::CreateDatabase(const std::string& db) {
  Sql("CREATE DATABASE \"" + db + "\"");
  return Uri(db);
}

pg::Connection Cluster::Connect(const std::string& db) {
  auto ci = pg::ConnInfo::Parse(Uri(db));
  if (!ci.ok()) throw std::runtime_error("bad uri");
  auto c = pg::Connection::Open(*ci);
  if (!c.ok()) throw std::runtime_error("cannot connect: " + c.error().message);
  return std::move(c).value();
}

void Cluster::Sql(const std::string& sql, const std::string& db) {
  auto c = Connect(db);
  auto r = c.Run(sql);
  if (!r.ok()) {
    ADD_FAILURE() << "SQL failed: " << r.error().message << "\n" << sql.substr(0, 500);
    throw std::runtime_error("SQL failed: " + r.error().message);
  }
}

std::string Cluster::Value(const std::string& sql, const std::string& db) {
  auto c = Connect(db);
  auto r = c.QueryValue(sql);
  if (!r.ok()) {
    ADD_FAILURE() << "SQL failed: " << r.error().message << "\n" << sql;
    throw std::runtime_error("SQL failed");
  }
  return *r;
}

void Cluster::PsqlFile(const std::string& path, const std::string& db,
                       const std::vector<std::string>& vars) {
  std::string cmd = "psql -X -q -v ON_ERROR_STOP=1 " + ShellQuote(Uri(db));
  for (const auto& v : vars) cmd += " -v " + ShellQuote(v);
  cmd += " -f " + ShellQuote(path);
  ProcessResult r = RunShell(cmd);
  if (r.exit_code != 0) {
    ADD_FAILURE() << "psql -f " << path << " failed: " << r.err;
    throw std::runtime_error("psql failed");
  }
}

void Cluster::Restart() {
  RunShell(ShellQuote(SourceDir() + "/scripts/pgcluster") + " restart " + ShellQuote(name_));
}

std::string Cluster::CaFile() const {
  const char* base = std::getenv("HIKKOSHI_CLUSTER_BASE");
  std::string b;
  if (base && *base) {
    b = base;
  } else {
    const char* tmp = std::getenv("TMPDIR");
    b = std::string(tmp && *tmp ? tmp : "/tmp") + "/hikkoshi-clusters";
  }
  while (b.size() > 1 && b.back() == '/') b.pop_back();
  return b + "/" + name_ + "/ssl/ca.crt";
}

std::string Cluster::TlsUri(const std::string& user, const std::string& password,
                            const std::string& db, const std::string& host) const {
  return "postgresql://" + user + ":" + password + "@" + host + ":" + std::to_string(port_) + "/" +
         db + "?sslmode=verify-full&sslrootcert=" + CaFile();
}

namespace {

constexpr const char* kOriginFunctions[] = {
    "pg_replication_origin_advance(text, pg_lsn)",
    "pg_replication_origin_create(text)",
    "pg_replication_origin_drop(text)",
    "pg_replication_origin_oid(text)",
    "pg_replication_origin_progress(text, boolean)",
    "pg_replication_origin_session_is_setup()",
    "pg_replication_origin_session_progress(boolean)",
    "pg_replication_origin_session_reset()",
    "pg_replication_origin_session_setup(text)",
    "pg_replication_origin_xact_reset()",
    "pg_replication_origin_xact_setup(pg_lsn, timestamp with time zone)",
};

ManagedRole CreateManagedRole(Cluster& c, const std::string& db, bool extra_grants,
                              const std::string& user, const std::string& attributes) {
  ManagedRole r;
  r.user = user;
  r.password = "pw-" + user + "-7Qx";
  r.uri = c.TlsUri(r.user, r.password, db);
  std::string q = "\"" + user + "\"";
  c.Sql("CREATE ROLE " + q + " LOGIN PASSWORD '" + r.password + "' " + attributes +
        "; GRANT pg_read_all_data, pg_write_all_data, pg_monitor, pg_signal_backend TO " + q);
  if (c.Value("SELECT count(*) FROM pg_database WHERE datname = '" + db + "'") == "0")
    c.CreateDatabase(db);
  c.Sql("ALTER DATABASE \"" + db + "\" OWNER TO " + q);
  if (extra_grants) {
    // Parameter privileges are cluster-wide; function privileges live in
    // each database's pg_proc.
    std::string sql = "GRANT SET ON PARAMETER session_replication_role TO " + q + ";";
    for (const char* f : kOriginFunctions)
      sql += std::string(" GRANT EXECUTE ON FUNCTION ") + f + " TO " + q + ";";
    c.Sql(sql, db);
  }
  return r;
}

}  // namespace

ManagedRole CreateNeonLikeOwner(Cluster& c, const std::string& db, bool extra_grants,
                                const std::string& user) {
  ManagedRole r =
      CreateManagedRole(c, db, extra_grants, user, "NOSUPERUSER CREATEDB CREATEROLE REPLICATION");
  ReassignToRole(c, db, user);
  return r;
}

ManagedRole CreateRdsLikeAdmin(Cluster& c, const std::string& db, bool extra_grants,
                               const std::string& user) {
  return CreateManagedRole(c, db, extra_grants, user,
                           "NOSUPERUSER NOREPLICATION CREATEDB CREATEROLE");
}

void ReassignToRole(Cluster& c, const std::string& db, const std::string& role) {
  c.Sql(R"SQL(
DO $hk$
DECLARE r record; role text := ')SQL" +
            role + R"SQL(';
BEGIN
  FOR r IN SELECT n.nspname FROM pg_namespace n
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public')
             AND n.nspname NOT LIKE 'pg\_%'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = n.oid AND d.deptype = 'e')
  LOOP EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, role); END LOOP;
  FOR r IN SELECT c.oid::regclass AS rel, c.relkind FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname NOT LIKE 'pg\_%'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                             AND d.classid = 'pg_class'::regclass AND d.deptype IN ('e', 'a', 'i'))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I',
                   CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                                  ELSE 'TABLE' END, r.rel, role);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  LOOP EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.fn, role); END LOOP;
  FOR r IN SELECT t.oid::regtype AS typ, t.typtype FROM pg_type t
             JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE t.typtype IN ('e', 'd', 'r', 'c')
             AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
             AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND n.nspname NOT LIKE 'pg\_%'
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                   r.typ, role);
  END LOOP;
END $hk$)SQL",
        db);
}

}  // namespace hk::test
