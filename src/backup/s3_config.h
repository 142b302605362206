// S3 settings: from flags (--s3-endpoint, --s3-region, --s3-path-style) and
// the usual AWS environment variables. The secret key is registered with the
// scrubber the moment it is read.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace hk::backup {

struct S3Options {
  std::string endpoint;  ///< "" = https://s3.REGION.amazonaws.com
  std::string region;    ///< "" = AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
  bool path_style = false;
  /// Files larger than this use multipart upload, in parts of this size.
  /// Default 64 MiB; HIKKOSHI_S3_PART_SIZE overrides (minimum 5 MiB unless
  /// HIKKOSHI_TEST_ALLOW_SMALL_PARTS=1, which tests use with servers that allow it).
  uint64_t part_size = 64ull << 20;
  /// --retry-for: past the fixed attempts, a request that keeps failing
  /// transiently (transport, 5xx, throttling) is retried with backoff until
  /// this much time has passed since its first failure; 0: attempts only.
  int64_t retry_for_ms = 0;
};

struct S3Credentials {
  std::string access_key, secret_key, session_token;
};

/// Fills defaults from the environment and checks values.
Result<S3Options> ResolveS3Options(S3Options o);
/// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
Result<S3Credentials> S3CredentialsFromEnv();

}  // namespace hk::backup
