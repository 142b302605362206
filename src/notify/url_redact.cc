#include "notify/url_redact.h"

#include "common/secrets.h"

namespace hk::notify {
namespace {

struct Parts {
  std::string scheme, userinfo, hostport, rest;  // rest: path + query + fragment
};

Parts Split(std::string_view url) {
  Parts p;
  size_t s = url.find("://");
  std::string_view after = url;
  if (s != std::string_view::npos) {
    p.scheme = std::string(url.substr(0, s));
    after = url.substr(s + 3);
  }
  size_t slash = after.find_first_of("/?#");
  std::string_view authority = after.substr(0, slash);
  if (slash != std::string_view::npos) p.rest = std::string(after.substr(slash));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    p.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  p.hostport = std::string(authority);
  return p;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  Parts p = Split(url);
  std::string out = p.scheme.empty() ? "" : p.scheme + "://";
  out += p.hostport;
  if (!p.rest.empty() && p.rest != "/") out += "/…";
  return out;
}

void RegisterUrlSecrets(std::string_view url) {
  Parts p = Split(url);
  if (!p.userinfo.empty()) {
    RegisterSecret(p.userinfo);
    size_t colon = p.userinfo.find(':');
    if (colon != std::string::npos) RegisterSecret(p.userinfo.substr(colon + 1));
  }
  if (p.rest.size() > 1) {
    RegisterSecret(p.rest.substr(1));
    std::string token;
    for (char c : p.rest.substr(1) + "/") {
      if (c == '/' || c == '?' || c == '&' || c == '#' || c == '=') {
        if (!token.empty()) RegisterSecret(token);
        token.clear();
      } else {
        token += c;
      }
    }
  }
}

}  // namespace hk::notify
