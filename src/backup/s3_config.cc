#include "backup/s3_config.h"

#include <cstdlib>

#include "common/secrets.h"

namespace hk::backup {
namespace {

std::string Env(const char* k) {
  const char* v = std::getenv(k);
  return v ? v : "";
}

bool IsIpOrLocal(const std::string& endpoint) {
  auto p = endpoint.find("://");
  std::string host = endpoint.substr(p == std::string::npos ? 0 : p + 3);
  host = host.substr(0, host.find_first_of(":/"));
  if (host == "localhost" || host.empty() || host[0] == '[') return true;
  for (char c : host) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) return false;
  }
  return true;
}

}  // namespace

Result<S3Options> ResolveS3Options(S3Options o) {
  if (o.region.empty()) o.region = Env("AWS_REGION");
  if (o.region.empty()) o.region = Env("AWS_DEFAULT_REGION");
  if (o.region.empty()) o.region = "us-east-1";
  if (o.endpoint.empty()) o.endpoint = Env("AWS_ENDPOINT_URL_S3");
  if (o.endpoint.empty()) o.endpoint = Env("AWS_ENDPOINT_URL");
  if (o.endpoint.empty()) {
    o.endpoint = "https://s3." + o.region + ".amazonaws.com";
  } else if (o.endpoint.find("://") == std::string::npos) {
    return MakeError(ErrorKind::kBadInput, "--s3-endpoint '" + o.endpoint + "' has no scheme",
                     "write it as https://host[:port] or http://host:port");
  }
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  // A bucket cannot be a subdomain of an IP address.
  if (IsIpOrLocal(o.endpoint)) o.path_style = true;
  std::string ps = Env("HIKKOSHI_S3_PART_SIZE");
  if (!ps.empty()) {
    try {
      o.part_size = std::stoull(ps);
    } catch (...) {
      return MakeError(ErrorKind::kBadInput, "HIKKOSHI_S3_PART_SIZE must be a number of bytes");
    }
  }
  uint64_t min_part = Env("HIKKOSHI_TEST_ALLOW_SMALL_PARTS") == "1" ? 1024 : (5ull << 20);
  if (o.part_size < min_part) {
    return MakeError(ErrorKind::kBadInput, "S3 part size must be at least 5 MiB",
                     "raise HIKKOSHI_S3_PART_SIZE");
  }
  return o;
}

Result<S3Credentials> S3CredentialsFromEnv() {
  S3Credentials c{Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"), Env("AWS_SESSION_TOKEN")};
  if (c.access_key.empty() || c.secret_key.empty()) {
    return MakeError(ErrorKind::kBadInput, "no S3 credentials in the environment",
                     "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for "
                     "temporary credentials)");
  }
  RegisterSecret(c.secret_key);
  RegisterSecret(c.session_token);
  return c;
}

}  // namespace hk::backup
