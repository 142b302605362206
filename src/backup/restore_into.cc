#include "backup/restore_into.h"

#include "backup/child_conn.h"
#include "backup/db_facts.h"
#include "backup/progress.h"
#include "common/log.h"
#include "common/subprocess.h"
#include "pg/catalog/filter.h"
#include "pg/connection.h"

namespace hk::backup {
namespace {

std::string Tail(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > 600) s = "..." + s.substr(s.size() - 600);
  return s;
}

}  // namespace

Result<std::string> NonEmptyReason(const pg::ConnInfo& target) {
  HK_ASSIGN_OR_RETURN(auto c,
                      pg::Connection::Open(target, {.application_name = "hikkoshi-restore"}));
  HK_ASSIGN_OR_RETURN(auto r, c.Exec(R"(
    SELECT count(*), min(n.nspname || '.' || c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r','p','v','m','S','f') AND )" +
                                     pg::catalog::NotSystemSchema("n.nspname")));
  if (r.Int(0, 0) == 0) return std::string();
  return "it already holds " + r.Str(0, 0) + " relation(s), e.g. " + r.Str(0, 1);
}

Status PgRestoreList(const std::string& dump_path) {
  HK_ASSIGN_OR_RETURN(PgTool t, FindPgTool("pg_restore"));
  HK_ASSIGN_OR_RETURN(auto p, RunProcess({t.path, "--list", dump_path}, {.capture_stdout = true}));
  if (p.exit_code != 0) {
    return MakeError(ErrorKind::kInternal,
                     "pg_restore --list cannot read the dump: " + Tail(p.err));
  }
  return Status::Ok();
}

Status PgRestoreInto(const std::string& dump_path, const pg::ConnInfo& target,
                     const PgRestoreOptions& o) {
  HK_ASSIGN_OR_RETURN(PgTool t, FindPgTool("pg_restore"));
  std::string app = ChildAppName("restore");
  ChildConn cc = ChildConnFor(target, app);
  std::vector<std::string> argv = {t.path, "--exit-on-error", "--no-password"};
  if (o.jobs > 1) argv.push_back("--jobs=" + std::to_string(o.jobs));
  if (o.no_owner) {
    argv.push_back("--no-owner");
    argv.push_back("--no-acl");
  }
  if (!cc.dbname_arg.empty()) argv.push_back(cc.dbname_arg);
  argv.push_back(dump_path);
  LogInfo("restoring into {} with {}", target.Redacted(), t.path);
  RestoreProgress view(o.tty, target, app, o.facts);
  HK_ASSIGN_OR_RETURN(auto p, RunProcess(argv, {.env = cc.env}));
  view.Stop(p.exit_code == 0);
  if (p.exit_code != 0) {
    return MakeError(
        ErrorKind::kInternal, "pg_restore into " + target.Redacted() + " failed: " + Tail(p.err),
        "fix the cause above; the target may hold a partial restore, drop and recreate it");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> CompareWithManifest(const pg::ConnInfo& target, const Manifest& m,
                                                     std::vector<std::string>* notes) {
  HK_ASSIGN_OR_RETURN(auto c,
                      pg::Connection::Open(target, {.application_name = "hikkoshi-restore"}));
  HK_RETURN_IF_ERROR(c.Run("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
  HK_ASSIGN_OR_RETURN(auto facts, CollectDbFacts(c));
  HK_RETURN_IF_ERROR(c.Run("COMMIT"));
  auto diffs = CompareFacts(m.facts, facts, notes);
  LogInfo("compared {} table(s) and {} sequence(s) with the manifest: {}", m.facts.tables.size(),
          m.facts.sequences.size(),
          diffs.empty() ? "identical" : std::to_string(diffs.size()) + " difference(s)");
  return diffs;
}

}  // namespace hk::backup
