#include "cli/app.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/log_format.h"
#include "common/secrets.h"
#include "pg/error.h"

namespace hk::cli {

bool StdoutIsTty() { return isatty(STDOUT_FILENO) == 1; }
bool StderrIsTty() {
  // --log-format json is for collectors: one JSON object per line, never a view.
  return isatty(STDERR_FILENO) == 1 && GetLogFormat() != LogFormat::kJson;
}

int ReportError(const Error& e, bool json) {
  int code = pg::ExitCodeFor(e);
  std::string msg = Scrub(e.message);
  if (GetLogFormat() == LogFormat::kJson) {
    LogRecord(LogLevel::kError, msg,
              {{"fix", e.hint}, {"kind", ErrorKindName(e.kind)}, {"exit_code", code}});
  } else {
    std::fprintf(stderr, "hikkoshi: error: %s\n", msg.c_str());
    if (!e.hint.empty()) std::fprintf(stderr, "hikkoshi: fix: %s\n", Scrub(e.hint).c_str());
  }
  if (json) {
    nlohmann::json j = {{"schema_version", 1},
                        {"error",
                         {{"kind", ErrorKindName(e.kind)},
                          {"message", msg},
                          {"fix", Scrub(e.hint)},
                          {"sqlstate", e.sqlstate},
                          {"exit_code", code}}}};
    std::printf("%s\n", j.dump(2).c_str());
  }
  return code;
}

Result<pg::ConnInfo> ResolveConn(const std::string& flag_value, bool flag_given,
                                 const char* env_name, const char* config_key, const Config& cfg,
                                 const char* what) {
  std::string v = flag_value;
  cfg.Resolve(v, flag_given, env_name, config_key);
  if (v.empty() && !flag_given) {
    auto set = [](const char* name) {
      const char* v = std::getenv(name);
      return v != nullptr && *v != '\0';
    };
    bool pg_env = set("PGHOST") || set("PGDATABASE") || set("PGSERVICE");
    if (!pg_env) {
      return MakeError(ErrorKind::kBadInput,
                       std::string("no ") + what + " database given",
                       std::string("pass --") + what + " URL, set " + env_name + ", or put " +
                           config_key + " = \"postgresql://...\" in hikkoshi.toml");
    }
  }
  auto ci = pg::ConnInfo::Parse(v);
  if (!ci.ok()) {
    Error e = ci.TakeError();
    e.message = std::string("--") + what + ": " + e.message;
    return e;
  }
  return ci;
}

}  // namespace hk::cli
