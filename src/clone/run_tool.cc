#include "clone/run_tool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "common/crash_point.h"
#include "common/retry.h"
#include "common/secrets.h"
#include "common/subprocess.h"
#include "pg/child_secrets.h"
#include "pg/client_tools.h"

namespace hk::clone {
namespace {

std::string Tail(const std::string& path, size_t max_lines) {
  std::ifstream f(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty()) continue;
    lines.push_back(line);
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : " | ") + l;
  return Scrub(out);
}

}  // namespace

std::string ToolDbname(const pg::ConnInfo& ci) {
  // "hikkoshi clone ...": a resumed clone ends sessions of a killed run by it.
  // TLS settings and secrets reach the child through its environment
  // (pg::ChildSecrets), never its command line.
  return pg::ChildSecrets::CommandLine(ci.With("application_name", "hikkoshi clone (tools)"))
      .ToKeywordString(false);
}

Status RunTool(const std::string& label, const std::vector<std::string>& argv,
               const pg::ConnInfo& conn, const std::string& log_path, const std::atomic<bool>* stop,
               std::string* stdout_text) {
  const std::string point = "tool-" + label;
  // Secrets only in the child's environment (and a 0600 service file).
  HK_ASSIGN_OR_RETURN(pg::ChildSecrets secrets, pg::ChildSecrets::For(conn));
  std::map<std::string, std::string> env = secrets.env();
  // Durable commits on the target (see OpenTarget): a step recorded done
  // must survive the server's crash.
  {
    const char* pgo = std::getenv("PGOPTIONS");
    env["PGOPTIONS"] = std::string(pgo ? pgo : "") + " -c synchronous_commit=on";
  }
  std::vector<std::string> args = argv;
  if (args[0].find('/') == std::string::npos) {
    HK_ASSIGN_OR_RETURN(pg::PgTool tool, pg::FindPgTool(args[0]));
    args[0] = tool.path;
  }

  std::string out_path = log_path + ".stdout";
  int err_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  int out_fd = open(stdout_text ? out_path.c_str() : "/dev/null",
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (err_fd < 0 || out_fd < 0) {
    if (err_fd >= 0) close(err_fd);
    if (out_fd >= 0) close(out_fd);
    return MakeError(ErrorKind::kInternal,
                     "cannot create " + log_path + ": " + std::strerror(errno),
                     "check that the work directory is writable");
  }
  // A killed hikkoshi must not leave a pg_restore running behind a resume;
  // in its own process group a terminal's Ctrl-C reaches hikkoshi only,
  // which then stops the child itself (SIGTERM) and reports an interrupt.
  auto run = RunProcess(args, {.env = std::move(env),
                               .stop = stop,
                               .stdout_fd = out_fd,
                               .stderr_fd = err_fd,
                               .own_process_group = true,
                               .die_with_parent = true,
                               .on_tick = [&point] { CrashPoint(point.c_str()); }});
  close(err_fd);
  close(out_fd);
  if (!run.ok()) return run.TakeError();
  const int code = run->exit_code;
  if (run->stopped || (stop && stop->load() && code != 0))
    return MakeError(ErrorKind::kInterrupted, "interrupted");
  if (stdout_text) {
    std::ifstream f(out_path);
    std::stringstream ss;
    ss << f.rdbuf();
    *stdout_text = ss.str();
    unlink(out_path.c_str());
  }
  if (code == 0) return Status::Ok();
  std::string why = code < 128 ? "exit code " + std::to_string(code)
                               : "signal " + std::to_string(code - 128);
  if (code == 127) why = "could not be started (not installed?)";
  std::string tail = Tail(log_path, 3);
  Error e = MakeError(ErrorKind::kInternal,
                      argv[0] + " failed (" + why + ")" + (tail.empty() ? "" : ": " + tail),
                      "see " + log_path + " for the full output");
  // A connection the tool lost (cut, server restarted) is an outage the
  // clone retries, not a failure of the tool (#14).
  if (ToolLostConnection(tail)) e.kind = ErrorKind::kConnection;
  // Authentication problems reported by the tool keep their meaning.
  if (tail.find("password authentication failed") != std::string::npos)
    e.kind = ErrorKind::kPermission;
  if (tail.find("role \"") != std::string::npos && tail.find("does not exist") != std::string::npos)
    e.hint =
        "create the missing roles on the target (pg_dumpall --roles-only) and rerun with --resume, "
        "or start over with --no-owner --no-acl --drop-if-exists";
  return e;
}

}  // namespace hk::clone
