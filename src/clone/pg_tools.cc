#include "clone/pg_tools.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/crash_point.h"
#include "common/retry.h"
#include "common/secrets.h"
#include "pg/child_secrets.h"
#include "pg/client_tools.h"

extern char** environ;

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
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view var(*e);
    std::string_view name = var.substr(0, var.find('='));
    if (secrets.env().count(std::string(name))) continue;
    env.emplace_back(*e);
  }
  for (const auto& [k, v] : secrets.env()) env.push_back(k + "=" + v);
  // Durable commits on the target (see OpenTarget): a step recorded done
  // must survive the server's crash.
  {
    const char* pgo = std::getenv("PGOPTIONS");
    std::string opts = std::string(pgo ? pgo : "") + " -c synchronous_commit=on";
    std::erase_if(env, [](const std::string& e) { return e.rfind("PGOPTIONS=", 0) == 0; });
    env.push_back("PGOPTIONS=" + opts);
  }
  std::vector<char*> cenv, cargv;
  for (auto& s : env) cenv.push_back(s.data());
  cenv.push_back(nullptr);
  std::vector<std::string> args = argv;
  if (args[0].find('/') == std::string::npos) {
    HK_ASSIGN_OR_RETURN(pg::PgTool tool, pg::FindPgTool(args[0]));
    args[0] = tool.path;
  }
  for (auto& s : args) cargv.push_back(s.data());
  cargv.push_back(nullptr);

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
  pid_t pid = fork();
  if (pid < 0) {
    close(err_fd);
    close(out_fd);
    return MakeError(ErrorKind::kInternal, std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // A killed hikkoshi must not leave a pg_restore running behind a resume.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // Its own process group: a terminal's Ctrl-C reaches hikkoshi only,
    // which then stops the child itself (SIGTERM) and reports an interrupt.
    setpgid(0, 0);
    if (getppid() == 1) _exit(127);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    // Our parent may ignore or block signals; the child starts clean.
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execvpe(cargv[0], cargv.data(), cenv.data());
    _exit(127);
  }
  close(err_fd);
  close(out_fd);
  int st = 0;
  bool killed = false;
  for (;;) {
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    if (!killed && stop && stop->load()) {
      kill(pid, SIGTERM);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CrashPoint(point.c_str());
  }
  if (killed || (stop && stop->load() && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)))
    return MakeError(ErrorKind::kInterrupted, "interrupted");
  if (stdout_text) {
    std::ifstream f(out_path);
    std::stringstream ss;
    ss << f.rdbuf();
    *stdout_text = ss.str();
    unlink(out_path.c_str());
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return Status::Ok();
  std::string why = WIFEXITED(st) ? "exit code " + std::to_string(WEXITSTATUS(st))
                                  : "signal " + std::to_string(WTERMSIG(st));
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127) why = "could not be started (not installed?)";
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
