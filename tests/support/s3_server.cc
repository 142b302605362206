#include "support/s3_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/harness.h"

namespace hk::test {
int FreePort() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

namespace {

bool PortOpen(int port) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(s);
  return ok;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

S3Server::S3Server(const std::string& bucket, long clock_skew_s) {
  dir_ = Trim(RunShell("mktemp -d /tmp/hk-s3rver-XXXXXX").out);
  port_ = FreePort();
  std::string bin = SourceDir() + "/tools/node_modules/.bin/s3rver";
  if (!std::filesystem::exists(bin)) throw std::runtime_error("s3rver missing: run scripts/bootstrap");
  // s3rver 3.7 builds ListObjectsV2 continuation tokens with DES, which
  // Node's OpenSSL 3 only offers through the legacy provider.
  std::string node_options = "--openssl-legacy-provider";
  if (clock_skew_s != 0) {
    std::ofstream(dir_ + "/skew.js") << "const R = Date; const off = " << clock_skew_s * 1000
                                     << ";\nclass D extends R { constructor(...a) { if (a.length "
                                        "=== 0) super(R.now() + off); else super(...a); }\n"
                                        "  static now() { return R.now() + off; } }\n"
                                        "global.Date = D;\n";
    node_options += " --require " + dir_ + "/skew.js";
  }
  auto r = RunShell("NODE_OPTIONS=" + ShellQuote(node_options) + " nohup " + ShellQuote(bin) +
                    " -d " + ShellQuote(dir_ + "/data") + " -a 127.0.0.1 -p " +
                    std::to_string(port_) + " --configure-bucket " + bucket + " >" +
                    ShellQuote(dir_ + "/log") + " 2>&1 & echo $!");
  pid_ = std::stoi(Trim(r.out));
  for (int i = 0; i < 100 && !PortOpen(port_); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!PortOpen(port_)) throw std::runtime_error("s3rver did not start");
}

S3Server::~S3Server() {
  if (pid_ > 0) ::kill(pid_, SIGTERM);
  RunShell("rm -rf " + ShellQuote(dir_));
}

}  // namespace hk::test
