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
bool WordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded where well-formed; anything else (%zz, a lone %) kept as typed.
std::string PercentDecodeLenient(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexVal(s[i + 1]) >= 0 && HexVal(s[i + 2]) >= 0) {
      out += static_cast<char>(HexVal(s[i + 1]) * 16 + HexVal(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void RegisterBothForms(std::string_view raw) {
  RegisterSecret(raw);
  std::string decoded = PercentDecodeLenient(raw);
  if (decoded != raw && decoded.find('\0') == std::string::npos) RegisterSecret(decoded);
}

// True when text[pos, pos+len) is a whole token: no letter, digit or '_'
// right before or after it (so "post" is not masked inside "postgresql").
bool WholeToken(const std::string& text, size_t pos, size_t len) {
  if (pos > 0 && WordChar(text[pos - 1])) return false;
  if (pos + len < text.size() && WordChar(text[pos + len])) return false;
  return true;
}

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

void RegisterSecretsIn(std::string_view text) {
  std::string in(text);
  // URI userinfo: scheme://user:password@ (libpq stops the userinfo at the
  // first '@' or '/').
  for (size_t sep = in.find("://"); sep != std::string::npos; sep = in.find("://", sep + 3)) {
    if (sep == 0 || !SchemeChar(in[sep - 1])) continue;
    size_t p = sep + 3, colon = std::string::npos;
    for (size_t k = p; k < in.size() && in[k] != '/'; ++k) {
      if (in[k] == '@') {
        if (colon != std::string::npos)
          RegisterBothForms(std::string_view(in).substr(colon + 1, k - colon - 1));
        break;
      }
      if (in[k] == ':' && colon == std::string::npos) colon = k;
    }
  }
  // password=value, password='quoted value', ?password=value& (also sslpassword).
  for (size_t k = in.find("password"); k != std::string::npos; k = in.find("password", k + 8)) {
    size_t j = k + 8;
    while (j < in.size() && Space(in[j])) ++j;
    if (j >= in.size() || in[j] != '=') continue;
    ++j;
    while (j < in.size() && Space(in[j])) ++j;
    std::string value;
    if (j < in.size() && in[j] == '\'') {
      for (++j; j < in.size() && in[j] != '\''; ++j) {
        if (in[j] == '\\' && j + 1 < in.size()) ++j;
        value += in[j];
      }
      RegisterSecret(value);
      // Unterminated: where the user meant it to end is a guess; its first word too.
      if (j >= in.size()) RegisterSecret(value.substr(0, value.find_first_of(" \t\n")));
    } else {
      size_t start = j;
      while (j < in.size() && !Space(in[j]) && in[j] != '&') ++j;
      RegisterBothForms(std::string_view(in).substr(start, j - start));
    }
  }
}

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
        if (!WholeToken(out, pos, s.size())) {
          ++pos;
          continue;
        }
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
