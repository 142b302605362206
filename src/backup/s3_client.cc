#include "backup/s3_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <thread>

#include "backup/file_io.h"
#include "backup/s3_xml.h"
#include "backup/stop.h"
#include "common/log.h"
#include "common/retry.h"

namespace hk::backup {
namespace {

struct Transfer {
  const S3Request* req = nullptr;
  S3Response* resp = nullptr;
  CURL* curl = nullptr;
  int body_fd = -1;
  uint64_t sent = 0;
  int sink_errno = 0;
};

size_t ReadCb(char* buf, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  const S3Request& r = *t->req;
  size_t want = size * n;
  if (r.body_mem) {
    size_t left = r.body_mem->size() - t->sent;
    size_t k = std::min(want, left);
    std::memcpy(buf, r.body_mem->data() + t->sent, k);
    t->sent += k;
    return k;
  }
  uint64_t left = r.body_len - t->sent;
  size_t k = static_cast<size_t>(std::min<uint64_t>(want, left));
  if (k == 0) return 0;
  ssize_t got = ::pread(t->body_fd, buf, k, static_cast<off_t>(r.body_offset + t->sent));
  if (got <= 0) return CURL_READFUNC_ABORT;
  t->sent += static_cast<uint64_t>(got);
  return static_cast<size_t>(got);
}

size_t WriteCb(char* data, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  bool success = status >= 200 && status < 300;
  const S3Request& r = *t->req;
  if (success && (r.sink_sha || r.sink_fd >= 0)) {
    if (r.sink_sha) r.sink_sha->Update(data, len);
    size_t off = 0;
    while (r.sink_fd >= 0 && off < len) {
      ssize_t w = ::write(r.sink_fd, data + off, len - off);
      if (w < 0) {
        if (errno == EINTR) continue;
        t->sink_errno = errno;
        return 0;  // aborts the transfer
      }
      off += static_cast<size_t>(w);
    }
    return len;
  }
  if (t->resp->body.size() < (4u << 20)) t->resp->body.append(data, len);
  return len;
}

size_t HeaderCb(char* data, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.pop_back();
    }
    t->resp->headers[name] = value;
  }
  return size * n;
}

bool Unreachable(CURLcode c) {
  return c == CURLE_COULDNT_RESOLVE_HOST || c == CURLE_COULDNT_CONNECT ||
         c == CURLE_OPERATION_TIMEDOUT || c == CURLE_SSL_CONNECT_ERROR ||
         c == CURLE_COULDNT_RESOLVE_PROXY || c == CURLE_PEER_FAILED_VERIFICATION;
}

}  // namespace

std::string UriEncode(const std::string& s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

S3Client::S3Client(S3Options opts, S3Credentials creds, std::string bucket)
    : opts_(std::move(opts)), creds_(std::move(creds)), bucket_(std::move(bucket)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

S3Client::~S3Client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

std::string S3Client::Url(const std::string& key,
                          const std::vector<std::pair<std::string, std::string>>& query) const {
  std::string url;
  if (opts_.path_style) {
    url = opts_.endpoint + "/" + UriEncode(bucket_, false) + "/" + UriEncode(key, true);
  } else {
    auto p = opts_.endpoint.find("://");
    url = opts_.endpoint.substr(0, p + 3) + bucket_ + "." + opts_.endpoint.substr(p + 3) + "/" +
          UriEncode(key, true);
  }
  std::string q;
  for (const auto& [k, v] : query) {
    q += (q.empty() ? "?" : "&") + UriEncode(k, false);
    // "uploads" and similar flags carry an empty value: send "uploads=" which
    // S3 treats the same and which signs unambiguously.
    q += "=" + UriEncode(v, false);
  }
  return url + q;
}

Result<S3Response> S3Client::SendOnce(const S3Request& req) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  S3Response resp;
  Transfer t;
  t.req = &req;
  t.resp = &resp;
  t.curl = c;
  if (!req.body_file.empty()) {
    t.body_fd = ::open(req.body_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (t.body_fd < 0) return IoError("cannot open", req.body_file, errno);
  }
  std::string url = Url(req.key, req.query);
  std::string sigv4 = "aws:amz:" + opts_.region + ":s3";
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(c, CURLOPT_USERNAME, creds_.access_key.c_str());
  curl_easy_setopt(c, CURLOPT_PASSWORD, creds_.secret_key.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteCb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, HeaderCb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);

  curl_slist* hdrs = nullptr;
  // libcurl 7.88 signs this header's value as the payload hash.
  hdrs = curl_slist_append(hdrs, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
  std::string token_hdr;
  if (!creds_.session_token.empty()) {
    token_hdr = "x-amz-security-token: " + creds_.session_token;
    hdrs = curl_slist_append(hdrs, token_hdr.c_str());
  }
  for (const auto& h : req.headers) hdrs = curl_slist_append(hdrs, h.c_str());

  uint64_t body_size = req.body_mem ? req.body_mem->size() : req.body_len;
  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadCb);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
  } else if (req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadCb);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_size));
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  curl_slist_free_all(hdrs);
  if (t.body_fd >= 0) ::close(t.body_fd);
  if (t.sink_errno != 0) return IoError("cannot write", req.sink_path, t.sink_errno);
  if (rc != CURLE_OK) {
    Error e = MakeError(ErrorKind::kConnection,
                        "cannot reach the S3 endpoint " + opts_.endpoint + " (" +
                            curl_easy_strerror(rc) + ")",
                        "check --s3-endpoint, the region and the network");
    e.during_connect = Unreachable(rc);
    if (!e.during_connect) e.message = "S3 transfer to " + opts_.endpoint + " broke: " + curl_easy_strerror(rc);
    return e;
  }
  return resp;
}

Result<S3Response> S3Client::Send(const S3Request& req, int attempts) {
  const auto first = std::chrono::steady_clock::now();
  for (int i = 1;; ++i) {
    if (req.sink_sha) req.sink_sha->Reset();
    if (req.sink_fd >= 0) {
      if (::ftruncate(req.sink_fd, 0) != 0 || ::lseek(req.sink_fd, 0, SEEK_SET) != 0) {
        return IoError("cannot rewind", req.sink_path, errno);
      }
    }
    auto r = SendOnce(req);
    if (r.ok()) reached_ = true;
    bool retry = false;
    if (!r.ok()) {
      retry = r.error().kind == ErrorKind::kConnection;
    } else {
      retry = r->status >= 500 || r->status == 429;
    }
    if (!retry) return r;
    const int64_t elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - first)
                                   .count();
    // Past the fixed attempts, --retry-for bounds an outage by time; an
    // endpoint never reached (unresolvable, refused) is the user's input.
    const bool outage = reached_ || r.ok() || !r.error().during_connect;
    const bool within_budget = outage && opts_.retry_for_ms > 0 && elapsed_ms < opts_.retry_for_ms;
    if (i >= attempts && !within_budget) return r;
    if (StopRequested()) return r;
    LogWarn("S3 {} {} failed ({}); transient, retrying (attempt {}{})", req.method,
            req.key.empty() ? bucket_ : req.key,
            r.ok() ? "HTTP " + std::to_string(r->status) : r.error().message, i + 1,
            opts_.retry_for_ms > 0 ? ", --retry-for " + std::to_string(opts_.retry_for_ms / 1000) + " s"
                                   : "");
    const auto delay = i < attempts ? std::chrono::milliseconds(250 << std::min(i, 6))
                                    : BackoffDelay(i, 0.5 + 0.5 * ((i * 7919) % 100) / 100.0);
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until && !StopRequested())
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Error S3Client::ErrorFor(const S3Response& r, const std::string& what) const {
  std::string code = XmlText(r.body, "Code");
  std::string msg = XmlText(r.body, "Message");
  std::string where = "s3://" + bucket_ + " at " + opts_.endpoint;
  if (code == "RequestTimeTooSkewed") {
    // SigV4 signs the time; S3 refuses requests more than 15 minutes off.
    std::string req_time = XmlText(r.body, "RequestTime"), srv_time = XmlText(r.body, "ServerTime");
    return MakeError(ErrorKind::kPermission,
                     "S3 at " + opts_.endpoint +
                         " refused the request because this machine's clock is more than 15 "
                         "minutes off the server's (RequestTimeTooSkewed" +
                         (req_time.empty() ? "" : "; ours " + req_time + ", the server's " + srv_time) +
                         ")",
                     "set this machine's clock right (e.g. enable NTP: timedatectl set-ntp true) "
                     "and rerun; nothing was written");
  }
  if (r.status == 403 || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
      code == "AccessDenied" || code == "ExpiredToken" || code == "InvalidToken") {
    return MakeError(ErrorKind::kPermission,
                     "S3 refused the credentials for " + where + " (" +
                         (code.empty() ? "HTTP " + std::to_string(r.status) : code) + ")",
                     "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), "
                     "and that the key may read and write this bucket");
  }
  if (code == "NoSuchBucket") {
    return MakeError(ErrorKind::kBadInput, "the bucket " + bucket_ + " does not exist at " + opts_.endpoint,
                     "create the bucket first, or fix the s3:// location and --s3-endpoint");
  }
  if (r.status == 301 || code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed") {
    return MakeError(ErrorKind::kBadInput, "the bucket " + bucket_ + " is in another region (" + code + ")",
                     "pass --s3-region with the bucket's region (or set AWS_REGION)");
  }
  return MakeError(ErrorKind::kInternal, "S3 " + what + " failed on " + where + ": HTTP " +
                                             std::to_string(r.status) +
                                             (code.empty() ? "" : " " + code) +
                                             (msg.empty() ? "" : ": " + msg));
}

}  // namespace hk::backup
