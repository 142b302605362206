#include "notify/deliver.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string_view>
#include <thread>

extern char** environ;

namespace hk::notify {
namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

int Progress(void* ud, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(ud)->load() ? 1 : 0;
}

}  // namespace

Status PostJson(const std::string& url, const std::string& body, int64_t timeout_ms,
                const std::atomic<bool>& abort) {
  CURL* c = curl_easy_init();
  if (!c) return MakeError(ErrorKind::kInternal, "libcurl could not start a transfer");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(timeout_ms, 3000)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, Progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&abort));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "hikkoshi/" HIKKOSHI_VERSION);
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK)
    return MakeError(ErrorKind::kConnection,
                     abort.load() ? "stopped at the flush deadline" : curl_easy_strerror(rc));
  if (status < 200 || status >= 300)
    return MakeError(ErrorKind::kConnection, "HTTP status " + std::to_string(status));
  return Status::Ok();
}

Status RunCommand(const std::vector<std::string>& argv, const std::string& body, int64_t timeout_ms,
                  const std::atomic<bool>& abort) {
  if (argv.empty()) return MakeError(ErrorKind::kBadInput, "empty command");
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return MakeError(ErrorKind::kInternal, "pipe failed");
  std::string env = "HIKKOSHI_EVENT=" + body;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).rfind("HIKKOSHI_EVENT=", 0) != 0) envp.push_back(*e);
  envp.push_back(env.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(in[0]);
    ::close(in[1]);
    return MakeError(ErrorKind::kInternal, "fork failed");
  }
  if (pid == 0) {
    ::dup2(in[0], 0);
    int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) ::dup2(devnull, 1);
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::signal(SIGPIPE, SIG_IGN);
  size_t off = 0;
  while (off < body.size()) {
    ssize_t w = ::write(in[1], body.data() + off, body.size() - off);
    if (w <= 0) break;
    off += static_cast<size_t>(w);
  }
  ::close(in[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int wst = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &wst, WNOHANG);
    if (r == pid) break;
    if (abort.load() || std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wst, 0);
      return MakeError(ErrorKind::kInternal, "the command did not finish in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(wst) && WEXITSTATUS(wst) == 0) return Status::Ok();
  if (WIFEXITED(wst) && WEXITSTATUS(wst) == 127)
    return MakeError(ErrorKind::kInternal, "the command could not be started");
  return MakeError(ErrorKind::kInternal,
                   "the command exited with " +
                       std::to_string(WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst)));
}

}  // namespace hk::notify
