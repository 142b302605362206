#include "backup/pg_tools.h"

#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "backup/subprocess.h"
#include "common/log.h"
#include "common/secrets.h"

namespace hk::backup {
namespace {

bool Executable(const std::string& p) { return ::access(p.c_str(), X_OK) == 0; }

std::string Locate(const std::string& name, std::string* searched) {
  if (const char* dir = std::getenv("HIKKOSHI_PG_BINDIR"); dir && *dir) {
    *searched = std::string("HIKKOSHI_PG_BINDIR=") + dir;
    std::string p = std::string(dir) + "/" + name;
    return Executable(p) ? p : "";
  }
  const char* path = std::getenv("PATH");
  *searched = "$PATH";
  if (!path) return "";
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    std::string p = dir + "/" + name;
    if (Executable(p)) return p;
  }
  return "";
}

}  // namespace

Result<PgTool> FindPgTool(const std::string& name) {
  std::string searched;
  PgTool t;
  t.path = Locate(name, &searched);
  if (t.path.empty()) {
    return MakeError(ErrorKind::kBadInput,
                     name + " was not found (looked in " + searched + ")",
                     "install the PostgreSQL client tools (Debian: postgresql-client-15 or newer) "
                     "or set HIKKOSHI_PG_BINDIR to the directory holding " + name);
  }
  auto out = RunProcess({t.path, "--version"}, {.capture_stdout = true});
  if (!out.ok()) return out.TakeError();
  if (out->exit_code != 0) {
    return MakeError(ErrorKind::kBadInput, t.path + " --version failed: " + out->err,
                     "check the PostgreSQL client installation or set HIKKOSHI_PG_BINDIR");
  }
  t.version_text = out->out;
  while (!t.version_text.empty() && (t.version_text.back() == '\n' || t.version_text.back() == '\r')) {
    t.version_text.pop_back();
  }
  std::smatch m;
  static const std::regex re(R"(\)\s+(\d+))");
  if (!std::regex_search(t.version_text, m, re)) {
    return MakeError(ErrorKind::kBadInput, "cannot read the version of " + t.path + ": " + t.version_text);
  }
  t.major = std::stoi(m[1].str());
  return t;
}

Status CheckToolNotOlder(const PgTool& tool, int server_version_num) {
  int server_major = server_version_num / 10000;
  if (tool.major >= server_major) return Status::Ok();
  return MakeError(ErrorKind::kBadInput,
                   tool.path + " is version " + std::to_string(tool.major) +
                       " but the server runs PostgreSQL " + std::to_string(server_major) +
                       "; an older pg_dump cannot dump a newer server",
                   "install postgresql-client-" + std::to_string(server_major) +
                       " (or newer) and put it first in PATH, or set HIKKOSHI_PG_BINDIR");
}

ChildConn ChildConnFor(const pg::ConnInfo& ci) {
  ChildConn c;
  // TLS settings and secrets go through the environment (pg::ChildSecrets).
  std::string kw = pg::ChildSecrets::CommandLine(ci).ToKeywordString(false);
  if (!kw.empty()) c.dbname_arg = "--dbname=" + kw;
  auto secrets = pg::ChildSecrets::For(ci);
  if (secrets.ok()) {
    c.env.insert(secrets->env().begin(), secrets->env().end());
    c.secrets = std::make_shared<const pg::ChildSecrets>(std::move(secrets).value());
  } else {
    LogWarn("{}; the child connects without it", Scrub(secrets.error().message));
  }
  c.env["PGAPPNAME"] = "hikkoshi-backup";
  return c;
}

}  // namespace hk::backup
