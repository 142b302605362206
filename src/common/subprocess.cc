#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

extern char** environ;

namespace hk {
namespace {

constexpr size_t kKeep = 64 * 1024;

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

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void Keep(std::string& s, const char* buf, size_t n, bool tail) {
  s.append(buf, n);
  if (tail && s.size() > 2 * kKeep) s.erase(0, s.size() - kKeep);
}

}  // namespace

Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const ProcessOptions& opts) {
  if (argv.empty()) return MakeError(ErrorKind::kInternal, "RunProcess: empty argv");
  const bool capture_err = opts.stderr_fd < 0 && !opts.stderr_to_stdout;
  const bool capture_out = opts.capture_stdout || opts.stderr_to_stdout;
  const bool feed = !opts.stdin_data.empty();
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, in_pipe[2] = {-1, -1};
  auto close_all = [&] {
    for (int* p : {out_pipe, err_pipe, in_pipe}) {
      CloseFd(p[0]);
      CloseFd(p[1]);
    }
  };
  if ((capture_err && ::pipe2(err_pipe, O_CLOEXEC) != 0) ||
      (capture_out && ::pipe2(out_pipe, O_CLOEXEC) != 0) ||
      (feed && ::pipe2(in_pipe, O_CLOEXEC) != 0)) {
    int err = errno;
    close_all();
    return MakeError(ErrorKind::kInternal, std::string("pipe: ") + std::strerror(err));
  }
  // Everything the child needs is prepared before fork (no allocation after it).
  std::vector<std::string> env = BuildEnv(opts.env);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (const auto& e : env) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  // A child that stops reading its stdin must not kill us with SIGPIPE.
  if (feed) ::signal(SIGPIPE, SIG_IGN);
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    close_all();
    return MakeError(ErrorKind::kInternal, std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    if (opts.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
    }
    if (opts.own_process_group) ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(feed ? in_pipe[0] : devnull, STDIN_FILENO);
    int out = capture_out ? out_pipe[1] : opts.stdout_fd >= 0 ? opts.stdout_fd : devnull;
    ::dup2(out, STDOUT_FILENO);
    int err = opts.stderr_to_stdout ? out : capture_err ? err_pipe[1] : opts.stderr_fd;
    if (err != STDERR_FILENO) ::dup2(err, STDERR_FILENO);
    // Our parent may ignore or block signals; the child starts clean.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(cargv[0], cargv.data(), cenv.data());
    const char msg[] = "exec failed\n";
    ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    ::_exit(127);
  }
  if (opts.own_process_group) ::setpgid(pid, pid);  // also here: no race with a kill below
  CloseFd(err_pipe[1]);
  CloseFd(out_pipe[1]);
  CloseFd(in_pipe[0]);
  if (feed) ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);

  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  };
  const pid_t target = opts.own_process_group ? -pid : pid;
  ProcessOutput po;
  size_t fed = 0;
  bool exited = false;
  int st = 0;
  int64_t exited_at = -1, kill_at = -1;
  char buf[65536];
  for (;;) {
    if (!exited) {
      pid_t w = ::waitpid(pid, &st, WNOHANG);
      if (w == pid) {
        exited = true;
        exited_at = elapsed_ms();
      }
    }
    std::vector<pollfd> fds;
    if (err_pipe[0] >= 0) fds.push_back({err_pipe[0], POLLIN, 0});
    if (out_pipe[0] >= 0) fds.push_back({out_pipe[0], POLLIN, 0});
    if (in_pipe[1] >= 0) fds.push_back({in_pipe[1], POLLOUT, 0});
    if (exited && (fds.empty() || (fds.size() == 1 && in_pipe[1] >= 0))) break;
    const int64_t now = elapsed_ms();
    if (!po.stopped && opts.stop != nullptr && opts.stop->load() && !exited) {
      ::kill(pid, opts.stop_signal);  // e.g. pg_dump ends; the caller reports the interrupt
      po.stopped = true;
    }
    if (!exited && !po.timed_out && opts.timeout_ms > 0 && now > opts.timeout_ms) {
      po.timed_out = true;
      ::kill(target, opts.timeout_signal);
      kill_at = now + opts.kill_grace_ms;
    }
    if (!exited && kill_at >= 0 && now > kill_at) {
      ::kill(target, SIGKILL);
      kill_at = -1;
    }
    if (exited) {
      // A grandchild may keep the pipes open; do not wait for it for long.
      if (po.timed_out && opts.own_process_group) ::kill(target, SIGKILL);
      if (now - exited_at > opts.linger_ms) break;
    }
    if (opts.on_tick) opts.on_tick();
    if (fds.empty()) {
      ::usleep(20000);
      continue;
    }
    int r = ::poll(fds.data(), fds.size(), 20);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    for (const auto& p : fds) {
      if (!(p.revents & (POLLIN | POLLOUT | POLLHUP | POLLERR))) continue;
      if (p.fd == in_pipe[1]) {
        ssize_t n = ::write(p.fd, opts.stdin_data.data() + fed, opts.stdin_data.size() - fed);
        if (n > 0) fed += static_cast<size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || fed == opts.stdin_data.size())
          CloseFd(in_pipe[1]);
        continue;
      }
      ssize_t n = ::read(p.fd, buf, sizeof(buf));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        CloseFd(p.fd == err_pipe[0] ? err_pipe[0] : out_pipe[0]);
        continue;
      }
      if (p.fd == err_pipe[0])
        Keep(po.err, buf, static_cast<size_t>(n), true);
      else
        Keep(po.out, buf, static_cast<size_t>(n), opts.stderr_to_stdout);
    }
  }
  close_all();
  if (!exited) {
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
  }
  if (po.err.size() > kKeep) po.err.erase(0, po.err.size() - kKeep);
  if (opts.stderr_to_stdout && po.out.size() > kKeep) po.out.erase(0, po.out.size() - kKeep);
  po.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return po;
}

Result<int> SpawnDetached(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          const std::string& log_path) {
  if (argv.empty()) return MakeError(ErrorKind::kInternal, "nothing to start");
  // Everything the child needs is prepared before fork (no allocation after).
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return MakeError(ErrorKind::kInternal, "cannot create a pipe");
  pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return MakeError(ErrorKind::kInternal, "cannot fork");
  }
  if (child == 0) {
    ::setsid();
    pid_t grandchild = ::fork();
    if (grandchild != 0) {
      int gc = grandchild;
      (void)!::write(fds[1], &gc, sizeof gc);
      _exit(0);
    }
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in >= 0) ::dup2(in, 0);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(fds[1]);
  int gc = -1;
  ssize_t n = ::read(fds[0], &gc, sizeof gc);
  ::close(fds[0]);
  ::waitpid(child, nullptr, 0);
  if (n != sizeof gc || gc <= 0)
    return MakeError(ErrorKind::kInternal, "cannot start " + argv[0] + " in the background");
  return gc;
}

}  // namespace hk
