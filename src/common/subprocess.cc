#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace hk {
namespace {

constexpr size_t kErrKeep = 64 * 1024;

std::vector<std::string> BuildEnv(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    if (extra.count(key)) continue;
    env.push_back(std::move(kv));
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

}  // namespace

Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& opts) {
  if (argv.empty()) return MakeError(ErrorKind::kInternal, "RunProcess: empty argv");
  int out_pipe[2] = {-1, -1};
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      (opts.capture_stdout && ::pipe2(out_pipe, O_CLOEXEC) != 0)) {
    return MakeError(ErrorKind::kInternal, std::string("pipe: ") + std::strerror(errno));
  }
  // Everything the child needs is prepared before fork (no allocation after it).
  std::vector<std::string> env = BuildEnv(opts.env);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) return MakeError(ErrorKind::kInternal, std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(opts.capture_stdout ? out_pipe[1] : devnull, STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::execve(cargv[0], cargv.data(), cenv.data());
    const char msg[] = "exec failed\n";
    ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  if (opts.capture_stdout) ::close(out_pipe[1]);

  ProcessOutput po;
  std::vector<pollfd> fds;
  fds.push_back({err_pipe[0], POLLIN, 0});
  if (opts.capture_stdout) fds.push_back({out_pipe[0], POLLIN, 0});
  char buf[65536];
  size_t open_fds = fds.size();
  while (open_fds > 0) {
    int r = ::poll(fds.data(), fds.size(), -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (auto& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(p.fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(p.fd);
        p.fd = -1;
        --open_fds;
        continue;
      }
      if (p.fd == err_pipe[0]) {
        po.err.append(buf, static_cast<size_t>(n));
        if (po.err.size() > 2 * kErrKeep) po.err.erase(0, po.err.size() - kErrKeep);
      } else {
        po.out.append(buf, static_cast<size_t>(n));
      }
    }
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  po.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return po;
}

}  // namespace hk
