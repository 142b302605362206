#include "pg/conninfo.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "common/secrets.h"

namespace hk::pg {
namespace {

struct OptionsDeleter {
  void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

const char* EnvFor(const std::string& key) {
  static const std::map<std::string, const char*> kEnv = {
      {"host", "PGHOST"},         {"hostaddr", "PGHOSTADDR"}, {"port", "PGPORT"},
      {"dbname", "PGDATABASE"},   {"user", "PGUSER"},         {"password", "PGPASSWORD"},
      {"sslmode", "PGSSLMODE"},   {"options", "PGOPTIONS"},   {"application_name", "PGAPPNAME"},
      {"connect_timeout", "PGCONNECT_TIMEOUT"},
  };
  auto it = kEnv.find(key);
  if (it == kEnv.end()) return nullptr;
  return std::getenv(it->second);
}

std::string PercentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

bool IsSecretOption(std::string_view keyword) {
  // libpq marks them with dispchar "*" (PQconndefaults): password, sslpassword.
  static const std::vector<std::string> kSecret = [] {
    std::vector<std::string> v;
    if (PQconninfoOption* d = PQconndefaults()) {
      for (PQconninfoOption* o = d; o->keyword; ++o)
        if (o->dispchar && o->dispchar[0] == '*') v.emplace_back(o->keyword);
      PQconninfoFree(d);
    }
    if (v.empty()) v = {"password", "sslpassword"};
    return v;
  }();
  for (const auto& k : kSecret)
    if (k == keyword) return true;
  return false;
}

Result<ConnInfo> ConnInfo::Parse(std::string_view text) {
  ConnInfo ci;
  std::string s(text);
  if (s.empty()) return ci;  // everything from the environment
  // Before libpq sees it: a string it refuses must not leak its password.
  RegisterSecretsIn(s);
  char* err = nullptr;
  std::unique_ptr<PQconninfoOption, OptionsDeleter> opts(PQconninfoParse(s.c_str(), &err));
  if (!opts) {
    std::string why = err ? err : "out of memory";
    if (err) PQfreemem(err);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    Error e = MakeError(ErrorKind::kBadInput,
                        "the connection string is malformed (" + Scrub(why) + ")",
                        "use a URI like postgresql://user@host:5432/dbname or a keyword "
                        "string like \"host=... dbname=...\"");
    return e;
  }
  for (PQconninfoOption* o = opts.get(); o->keyword; ++o) {
    if (o->val) ci.params_[o->keyword] = o->val;
  }
  for (const auto& [k, v] : ci.params_)
    if (IsSecretOption(k)) RegisterSecret(v);
  // libpq only notices a bad port when connecting; say it now, without noise.
  if (auto it = ci.params_.find("port"); it != ci.params_.end()) {
    for (char ch : it->second) {
      if (!isdigit(static_cast<unsigned char>(ch)) && ch != ',') {
        return MakeError(ErrorKind::kBadInput,
                         "the connection string has an invalid port \"" + it->second + "\"",
                         "use a number such as 5432");
      }
    }
  }
  return ci;
}

std::string ConnInfo::Effective(const std::string& key) const {
  if (auto it = params_.find(key); it != params_.end()) return it->second;
  if (const char* v = EnvFor(key)) return v;
  return "";
}

std::string ConnInfo::User() const {
  std::string u = Effective("user");
  if (!u.empty()) return u;
  if (passwd* pw = getpwuid(geteuid())) return pw->pw_name;
  return "";
}

std::string ConnInfo::Database() const {
  std::string d = Effective("dbname");
  return d.empty() ? User() : d;
}

ConnInfo ConnInfo::With(const std::string& key, const std::string& value) const {
  ConnInfo c = *this;
  c.params_[key] = value;
  return c;
}

ConnInfo ConnInfo::Without(const std::string& key) const {
  ConnInfo c = *this;
  c.params_.erase(key);
  return c;
}

std::string ConnInfo::Redacted() const {
  std::string host = Effective("host");
  std::string port = Effective("port");
  std::string out = "postgresql://";
  std::string user = Effective("user");
  if (!user.empty()) out += PercentEncode(user) + "@";
  if (host.empty() || host[0] == '/') {
    out += "localhost";
  } else {
    // Multi-host strings keep their commas.
    out += host;
  }
  if (!port.empty()) out += ":" + port;
  out += "/" + PercentEncode(Database());
  std::string query;
  for (const auto& [k, v] : params_) {
    if (k == "host" || k == "port" || k == "user" || k == "dbname" || IsSecretOption(k)) continue;
    query += (query.empty() ? "?" : "&") + k + "=" + PercentEncode(v);
  }
  if (!host.empty() && host[0] == '/') query += (query.empty() ? "?" : "&") + std::string("host=") + PercentEncode(host);
  return Scrub(out + query);
}

std::string QuoteConnValue(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string ConnInfo::ToKeywordString(bool include_password) const {
  std::string out;
  for (const auto& [k, v] : params_) {
    if (IsSecretOption(k) && !include_password) continue;
    if (!out.empty()) out += ' ';
    out += k + "=" + QuoteConnValue(v);
  }
  return out;
}

}  // namespace hk::pg
