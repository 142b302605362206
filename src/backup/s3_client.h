// One S3 bucket spoken to over HTTP(S) with libcurl, signed by libcurl's
// built-in AWS SigV4 (CURLOPT_AWS_SIGV4). Bodies stream from a file range or
// a string; responses stream into a file and/or a digest. No request body or
// object is ever held whole in memory, except small XML documents.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "backup/digest.h"
#include "backup/s3_config.h"
#include "common/status.h"

namespace hk::backup {

struct S3Request {
  std::string method = "GET";  ///< GET, HEAD, PUT, POST, DELETE
  std::string key;             ///< Object key; "" for the bucket itself.
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::string> headers;  ///< "Name: value"
  // Body (PUT/POST): a file range, or a string.
  std::string body_file;
  uint64_t body_offset = 0, body_len = 0;
  const std::string* body_mem = nullptr;
  // Where a successful response body goes; else into S3Response::body.
  Digest* sink_sha = nullptr;
  int sink_fd = -1;
  std::string sink_path;  ///< For error messages.
};

struct S3Response {
  long status = 0;
  std::string body;                            ///< Error documents and small XML.
  std::map<std::string, std::string> headers;  ///< Lower-case names.
  bool ok() const { return status >= 200 && status < 300; }
};

class S3Client {
 public:
  S3Client(S3Options opts, S3Credentials creds, std::string bucket);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  /// Sends the request; retries transport failures, 5xx and throttling
  /// (attempts in all, with backoff). An HTTP error status is not an Error
  /// here: look at the response, or use ErrorFor.
  Result<S3Response> Send(const S3Request& req, int attempts = 4);

  /// One sentence for a failed response: bad credentials (auth), missing
  /// bucket (bad input), anything else (internal).
  Error ErrorFor(const S3Response& r, const std::string& what) const;

  const std::string& bucket() const { return bucket_; }
  const S3Options& options() const { return opts_; }
  std::string Url(const std::string& key,
                  const std::vector<std::pair<std::string, std::string>>& query) const;

 private:
  Result<S3Response> SendOnce(const S3Request& req);

  S3Options opts_;
  S3Credentials creds_;
  std::string bucket_;
  void* curl_;  // CURL*, reused for connection keep-alive.
  bool reached_ = false;  ///< Some request got an HTTP answer: later failures are outages.
};

/// Percent-encodes for S3 paths (keep_slash) or query values.
std::string UriEncode(const std::string& s, bool keep_slash);

}  // namespace hk::backup
