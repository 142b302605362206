#include "common/secrets.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <regex>
#include <vector>

namespace hk {
namespace {

std::mutex& Mu() {
  static std::mutex mu;
  return mu;
}
std::vector<std::string>& Secrets() {
  static std::vector<std::string> s;
  return s;
}

constexpr std::string_view kMask = "****";

// scheme://user:password@  -> scheme://user:****@
const std::regex& UriPassword() {
  static const std::regex re(R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):([^@\s/]*)@)");
  return re;
}
// password=value or password='quoted value' in keyword strings and query strings
const std::regex& KeywordPassword() {
  static const std::regex re(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&]+))",
                             std::regex::icase);
  return re;
}

}  // namespace

void RegisterSecret(std::string_view secret) {
  if (secret.size() < 3) return;
  std::lock_guard<std::mutex> lock(Mu());
  auto& v = Secrets();
  if (std::find(v.begin(), v.end(), secret) == v.end()) v.emplace_back(secret);
  // Longest first so a secret containing another is masked whole.
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Scrub(std::string_view text) {
  std::string out(text);
  {
    std::lock_guard<std::mutex> lock(Mu());
    for (const auto& s : Secrets()) {
      size_t pos = 0;
      while ((pos = out.find(s, pos)) != std::string::npos) {
        out.replace(pos, s.size(), kMask);
        pos += kMask.size();
      }
    }
  }
  if (out.find("://") != std::string::npos) {
    out = std::regex_replace(out, UriPassword(), "$1:****@");
  }
  if (out.find('=') != std::string::npos) {
    std::string lower = out;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower.find("password") != std::string::npos) {
      out = std::regex_replace(out, KeywordPassword(), "$1****");
    }
  }
  return out;
}

void ScrubArgv(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string scrubbed = Scrub(argv[i]);
    size_t len = std::strlen(argv[i]);
    if (scrubbed == argv[i]) continue;
    // The scrubbed text may be longer than the original ("****" for "pw"); cut it.
    std::memset(argv[i], 0, len);
    std::memcpy(argv[i], scrubbed.data(), std::min(len, scrubbed.size()));
  }
}

}  // namespace hk
