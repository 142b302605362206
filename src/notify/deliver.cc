#include "notify/deliver.h"

#include <curl/curl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string_view>
#include <thread>

#include "common/subprocess.h"

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
  // The event as HIKKOSHI_EVENT and on stdin; the command's stderr is ours.
  auto run = RunProcess(argv, {.env = {{"HIKKOSHI_EVENT", body}},
                               .stop = &abort,
                               .stop_signal = SIGKILL,
                               .stderr_fd = STDERR_FILENO,
                               .stdin_data = body,
                               .timeout_ms = timeout_ms,
                               .timeout_signal = SIGKILL});
  if (!run.ok()) return run.TakeError();
  const ProcessOutput& p = *run;
  if (p.timed_out || p.stopped)
    return MakeError(ErrorKind::kInternal, "the command did not finish in time");
  if (p.exit_code == 0) return Status::Ok();
  if (p.exit_code == 127) return MakeError(ErrorKind::kInternal, "the command could not be started");
  return MakeError(ErrorKind::kInternal, "the command exited with " + std::to_string(p.exit_code));
}

}  // namespace hk::notify
