#include "config/config_check.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/human.h"
#include "config/config.h"
#include "cutover/config.h"
#include "notify/targets.h"
#include "pg/conninfo.h"
#include "watch/run_watch.h"

namespace hk {
namespace {

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

// "... line 12: ..." in a loader's message → 12.
int LineIn(const std::string& msg) {
  size_t p = msg.find(" line ");
  return p == std::string::npos ? 0 : std::atoi(msg.c_str() + p + 6);
}

void CheckConn(const toml::table& t, const char* key, bool required, const char* why,
               std::vector<ConfigIssue>& out) {
  const toml::node* n = t.get(key);
  if (!n) {
    if (required && !std::getenv(key[0] == 's' ? "HIKKOSHI_SOURCE" : "HIKKOSHI_TARGET"))
      out.push_back({0, key, std::string("is missing; ") + why + " need it"});
    return;
  }
  auto s = n->value<std::string>();
  if (!s) return;  // the type is reported by CheckKeys
  if (auto c = pg::ConnInfo::Parse(*s); !c.ok())
    out.push_back({LineOf(*n), key, "is not a valid connection string: " + c.error().message});
}

void CheckDuration(const toml::table& t, const char* section, const char* key,
                   std::vector<ConfigIssue>& out) {
  const toml::node* n = t.at_path(std::string(section) + "." + key).node();
  if (!n) return;
  auto s = n->value<std::string>();
  if (s && !ParseDuration(*s, "", watch::kWatchDurations).ok())
    out.push_back({LineOf(*n), std::string(section) + "." + key,
                   "\"" + *s + "\" is not a duration (write it like 6h, 30d, 90m or 45s)"});
}

}  // namespace

std::vector<ConfigIssue> CheckConfigFile(const std::string& path) {
  std::vector<ConfigIssue> out = Config::CheckKeys(path);
  std::ifstream in(path);
  if (!in) return {{0, "", "cannot be read"}};
  std::stringstream ss;
  ss << in.rdbuf();
  toml::table t;
  try {
    t = toml::parse(ss.str(), path);
  } catch (const toml::parse_error&) {
    return out;  // CheckKeys reported it
  }
  bool needs_dbs = t.contains("cutover") || t.contains("watch");
  const char* why = "[cutover] and [watch] (or the HIKKOSHI_* variables)";
  CheckConn(t, "source", needs_dbs, why, out);
  CheckConn(t, "target", needs_dbs, why, out);
  CheckDuration(t, "watch", "every", out);
  CheckDuration(t, "watch", "retire_after", out);
  for (auto& i : notify::ParseTargets(ss.str(), path).issues) {
    bool dup = std::any_of(out.begin(), out.end(), [&](const ConfigIssue& o) {
      return o.line == i.line && o.key == i.key;
    });
    if (!dup) out.push_back(std::move(i));
  }
  if (t.contains("cutover")) {
    if (auto cc = cutover::LoadCutoverConfig(path); !cc.ok())
      out.push_back({LineIn(cc.error().message), "[cutover]", cc.error().message});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ConfigIssue& a, const ConfigIssue& b) { return a.line < b.line; });
  return out;
}

}  // namespace hk
