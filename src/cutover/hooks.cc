#include "cutover/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>

namespace hk::cutover {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

constexpr size_t kMaxOutput = 64 * 1024;

}  // namespace

Result<HookResult> RunHookCommand(const std::string& command, int64_t timeout_ms) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return MakeError(ErrorKind::kInternal,
                     std::string("cannot create a pipe: ") + std::strerror(errno));
  auto started = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return MakeError(ErrorKind::kInternal, std::string("cannot fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent: no race with the kill below
  ::close(fds[1]);
  HookResult r;
  bool eof = false, exited = false;
  int wstatus = 0;
  int64_t kill_at = -1;
  while (!(eof && exited)) {
    if (!exited) {
      pid_t w = ::waitpid(pid, &wstatus, WNOHANG);
      if (w == pid) exited = true;
    }
    int64_t elapsed = MsSince(started);
    if (!exited && !r.timed_out && elapsed > timeout_ms) {
      r.timed_out = true;
      ::kill(-pid, SIGTERM);
      kill_at = elapsed + 2000;
    }
    if (!exited && kill_at >= 0 && elapsed > kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = -1;
    }
    if (exited && !eof && r.timed_out) {
      // A grandchild may keep the pipe open; do not wait for it.
      ::kill(-pid, SIGKILL);
    }
    if (!eof) {
      struct pollfd p {
        fds[0], POLLIN, 0
      };
      int n = ::poll(&p, 1, 50);
      if (n > 0) {
        char buf[4096];
        ssize_t got = ::read(fds[0], buf, sizeof buf);
        if (got > 0) {
          r.output.append(buf, static_cast<size_t>(got));
          if (r.output.size() > 2 * kMaxOutput) r.output.erase(0, r.output.size() - kMaxOutput);
        } else if (got == 0 || errno != EINTR) {
          eof = true;
        }
      } else if (exited && MsSince(started) > timeout_ms + 3000) {
        eof = true;  // a daemonized grandchild holds the pipe: stop reading
      }
    } else if (!exited) {
      ::usleep(20000);
    }
  }
  ::close(fds[0]);
  if (r.output.size() > kMaxOutput) r.output.erase(0, r.output.size() - kMaxOutput);
  r.duration_ms = MsSince(started);
  if (WIFEXITED(wstatus))
    r.exit_code = WEXITSTATUS(wstatus);
  else if (WIFSIGNALED(wstatus))
    r.exit_code = 128 + WTERMSIG(wstatus);
  return r;
}

namespace {
std::string MissingInSimpleCommand(const std::string& command) {
  std::istringstream in(command);
  std::string word;
  // Skip leading VAR=value assignments.
  while (in >> word && word.find('=') != std::string::npos && word.front() != '=') {
  }
  if (word.empty()) return "";
  static const std::set<std::string> kShell = {
      "cd",   "exec",   "export", "set",  "test",  "[",    "true",   "false",
      "echo", "printf", "if",     "for",  "while", "{",    "(",      "!",
      ".",    "source", "sleep",  "exit", "env",   "sudo", "timeout"};
  if (kShell.count(word) || word.find_first_of("$`'\"();&|<>") != std::string::npos) return "";
  if (word.find('/') != std::string::npos) return ::access(word.c_str(), X_OK) == 0 ? "" : word;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    if (::access((dir + "/" + word).c_str(), X_OK) == 0) return "";
  }
  return word;
}
}  // namespace

std::string MissingProgram(const std::string& command) {
  // Check the first word of every simple command of a `a && b; c | d` list.
  std::string seg;
  for (size_t i = 0; i <= command.size(); ++i) {
    char c = i < command.size() ? command[i] : ';';
    if (c == ';' || c == '&' || c == '|' || c == '\n') {
      if (auto m = MissingInSimpleCommand(seg); !m.empty()) return m;
      seg.clear();
    } else {
      seg += c;
    }
  }
  return "";
}

}  // namespace hk::cutover
