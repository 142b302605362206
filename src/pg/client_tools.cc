#include "pg/client_tools.h"

#include <unistd.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>

#include "common/subprocess.h"

namespace hk::pg {
namespace {

bool Executable(const std::string& p) { return ::access(p.c_str(), X_OK) == 0; }

const char* BinDirVar() {
  for (const char* v : {"HIKKOSHI_PG_BIN", "HIKKOSHI_PG_BINDIR"})
    if (const char* d = std::getenv(v); d && *d) return v;
  return nullptr;
}

std::string Locate(const std::string& name, std::string* searched) {
  if (const char* var = BinDirVar()) {
    std::string dir = std::getenv(var);
    *searched = std::string(var) + "=" + dir;
    std::string p = dir + "/" + name;
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

constexpr const char* kFixDir =
    "install the PostgreSQL client tools (Debian: postgresql-client-NN) or point --pg-bin-dir "
    "(or HIKKOSHI_PG_BIN) at the directory holding ";

}  // namespace

std::string ClientBinDir() {
  const char* var = BinDirVar();
  return var ? std::getenv(var) : "";
}

int ParseToolMajor(const std::string& version_text) {
  std::smatch m;
  static const std::regex re(R"(\)\s+(\d+))");
  if (!std::regex_search(version_text, m, re)) return 0;
  return std::stoi(m[1].str());
}

Result<PgTool> FindPgTool(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, PgTool> cache;  // key: name + where it was looked for
  std::string searched;
  PgTool t;
  t.path = Locate(name, &searched);
  if (t.path.empty()) {
    return MakeError(ErrorKind::kBadInput, name + " was not found (looked in " + searched + ")",
                     std::string(kFixDir) + name);
  }
  {
    std::lock_guard<std::mutex> l(mu);
    if (auto it = cache.find(t.path); it != cache.end()) return it->second;
  }
  auto out = RunProcess({t.path, "--version"}, {.capture_stdout = true});
  if (!out.ok()) return out.TakeError();
  if (out->exit_code != 0) {
    return MakeError(ErrorKind::kBadInput, t.path + " --version failed: " + out->err,
                     std::string(kFixDir) + name);
  }
  t.version_text = out->out;
  while (!t.version_text.empty() &&
         (t.version_text.back() == '\n' || t.version_text.back() == '\r'))
    t.version_text.pop_back();
  t.major = ParseToolMajor(t.version_text);
  if (t.major == 0)
    return MakeError(ErrorKind::kBadInput,
                     "cannot read the version of " + t.path + ": " + t.version_text);
  std::lock_guard<std::mutex> l(mu);
  cache[t.path] = t;
  return t;
}

Status CheckToolNotOlder(const PgTool& tool, int server_version_num) {
  int server_major = server_version_num / 10000;
  if (tool.major >= server_major) return Status::Ok();
  return MakeError(
      ErrorKind::kBadInput,
      tool.path + " is version " + std::to_string(tool.major) + " but the server runs PostgreSQL " +
          std::to_string(server_major) + "; an older pg_dump cannot dump a newer server",
      "install postgresql-client-" + std::to_string(server_major) +
          " (or newer) and point --pg-bin-dir (or HIKKOSHI_PG_BIN) at its bin directory");
}

}  // namespace hk::pg
