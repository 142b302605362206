// s3rver (tools/node_modules, installed by scripts/bootstrap) in a temp
// directory on a free loopback port, with one bucket. The built-in key pair
// is S3RVER/S3RVER.
#pragma once

#include <string>

namespace hk::test {

/// A loopback TCP port free at the time of the call.
int FreePort();

class S3Server {
 public:
  /// clock_skew_s: the server's clock runs this many seconds ahead (a
  /// preloaded shim shifts Node's Date), for SigV4 clock-skew tests.
  explicit S3Server(const std::string& bucket, long clock_skew_s = 0);
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;
  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int port_ = 0;
  int pid_ = -1;
};

}  // namespace hk::test
