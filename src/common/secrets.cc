#include "common/secrets.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <cctype>
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

bool SchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-';
}
bool Space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// scheme://user:password@  -> scheme://user:****@ (a linear scan: regexes
// recurse per character and overflow the stack on long inputs).
std::string MaskUriPasswords(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    size_t sep = in.find("://", i);
    if (sep == std::string::npos) break;
    // Needs a scheme before it.
    if (sep == 0 || !SchemeChar(in[sep - 1])) {
      out.append(in, i, sep + 3 - i);
      i = sep + 3;
      continue;
    }
    size_t p = sep + 3;
    size_t colon = std::string::npos, at = std::string::npos;
    for (size_t k = p; k < in.size(); ++k) {
      char c = in[k];
      if (Space(c) || c == '/') break;
      if (c == '@') {
        at = k;
        break;
      }
      if (c == ':' && colon == std::string::npos) colon = k;
    }
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.append(in, i, colon + 1 - i);
      out.append(kMask);
      out += '@';
      i = at + 1;
    } else {
      out.append(in, i, p - i);
      i = p;
    }
  }
  out.append(in, i, std::string::npos);
  return out;
}

// password=value or password='quoted value' (keyword strings, URI queries).
std::string MaskKeywordPasswords(const std::string& in) {
  std::string lower = in;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    size_t k = lower.find("password", i);
    if (k == std::string::npos) break;
    size_t j = k + 8;
    while (j < in.size() && Space(in[j])) ++j;
    if (j >= in.size() || in[j] != '=') {
      out.append(in, i, k + 8 - i);
      i = k + 8;
      continue;
    }
    ++j;
    while (j < in.size() && Space(in[j])) ++j;
    out.append(in, i, j - i);
    out.append(kMask);
    if (j < in.size() && in[j] == '\'') {
      ++j;
      while (j < in.size() && in[j] != '\'') j += (in[j] == '\\' && j + 1 < in.size()) ? 2 : 1;
      if (j < in.size()) ++j;
    } else {
      while (j < in.size() && !Space(in[j]) && in[j] != '&') ++j;
    }
    i = j;
  }
  out.append(in, i, std::string::npos);
  return out;
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
  if (out.find("://") != std::string::npos) out = MaskUriPasswords(out);
  if (out.find('=') != std::string::npos) out = MaskKeywordPasswords(out);
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
