#include "notify/targets.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "notify/url_redact.h"

namespace hk::notify {

bool Target::Wants(const Event& e) const {
  if (!events.empty() && std::find(events.begin(), events.end(), e.name) == events.end())
    return false;
  auto bytes = [&](const char* k) -> int64_t {
    auto it = e.details.find(k);
    return it != e.details.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
  };
  if (e.name == "lag_high" && bytes("lag_bytes") < min_lag_bytes.value_or(kDefaultMinLagBytes))
    return false;
  if (e.name == "slot_retention_high" &&
      bytes("retained_bytes") < min_retained_wal_bytes.value_or(kDefaultMinRetainedWalBytes))
    return false;
  return true;
}

std::string Target::Describe() const {
  if (!url.empty()) return "webhook " + RedactUrl(url);
  return "command " + (command.empty() ? std::string("?") : command[0]);
}

namespace {

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

std::vector<std::string> Strings(const toml::node* n, const std::string& key, int line,
                                 std::vector<ConfigIssue>& issues) {
  std::vector<std::string> out;
  if (!n) return out;
  const toml::array* a = n->as_array();
  if (!a) {
    issues.push_back({line, key, "must be an array of strings"});
    return out;
  }
  for (const auto& v : *a) {
    if (auto s = v.value<std::string>()) {
      out.push_back(*s);
    } else {
      issues.push_back({LineOf(v), key, "must be an array of strings"});
    }
  }
  return out;
}

std::optional<int64_t> NonNegative(const toml::node* n, const std::string& key,
                                   std::vector<ConfigIssue>& issues) {
  if (!n) return std::nullopt;
  auto v = n->value<int64_t>();
  if (!v || *v < 0 || !n->is_integer()) {
    issues.push_back({LineOf(*n), key, "must be a whole number of bytes (0 or more)"});
    return std::nullopt;
  }
  return v;
}

}  // namespace

ParsedTargets ParseTargets(std::string_view text, const std::string& origin) {
  ParsedTargets out;
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    out.issues.push_back({static_cast<int>(e.source().begin.line), "",
                          "is not valid TOML: " + std::string(e.description())});
    return out;
  }
  const toml::node* n = root.get("notify");
  if (!n) return out;
  const toml::array* arr = n->as_array();
  if (!arr) {
    out.issues.push_back({LineOf(*n), "notify", "must be written as [[notify]] entries"});
    return out;
  }
  for (const auto& item : *arr) {
    const toml::table* t = item.as_table();
    if (!t) {
      out.issues.push_back({LineOf(item), "notify", "must be written as [[notify]] entries"});
      continue;
    }
    int line = LineOf(item);
    Target tg;
    if (const toml::node* u = t->get("url")) {
      if (auto s = u->value<std::string>()) {
        tg.url = *s;
        RegisterUrlSecrets(tg.url);
        bool http = tg.url.rfind("http://", 0) == 0 || tg.url.rfind("https://", 0) == 0;
        size_t host = tg.url.find("://") + 3;
        if (!http || tg.url.size() <= host || tg.url[host] == '/')
          out.issues.push_back(
              {LineOf(*u), "notify.url", "is not an http:// or https:// URL with a host"});
      } else {
        out.issues.push_back({LineOf(*u), "notify.url", "must be a string"});
      }
    }
    tg.command = Strings(t->get("command"), "notify.command", line, out.issues);
    if (t->get("command") && tg.command.empty())
      out.issues.push_back({LineOf(*t->get("command")), "notify.command",
                            "must name a program: [\"/path/to/script\", \"arg\"]"});
    tg.events = Strings(t->get("events"), "notify.events", line, out.issues);
    for (const auto& e : tg.events) {
      if (!IsKnownEvent(e)) {
        std::string known;
        for (const auto& k : KnownEvents()) known += (known.empty() ? "" : ", ") + k;
        out.issues.push_back({LineOf(*t->get("events")), "notify.events",
                              "names an unknown event \"" + e + "\" (known: " + known + ")"});
      }
    }
    tg.min_lag_bytes = NonNegative(t->get("min_lag_bytes"), "notify.min_lag_bytes", out.issues);
    tg.min_retained_wal_bytes =
        NonNegative(t->get("min_retained_wal_bytes"), "notify.min_retained_wal_bytes", out.issues);
    if (tg.url.empty() && tg.command.empty() && !t->get("url") && !t->get("command"))
      out.issues.push_back({line, "notify", "needs a url or a command (or both)"});
    if (!tg.url.empty() && !tg.command.empty()) {
      // Both: two deliveries with the same filters.
      Target cmd = tg;
      cmd.url.clear();
      tg.command.clear();
      out.targets.push_back(std::move(tg));
      out.targets.push_back(std::move(cmd));
    } else {
      out.targets.push_back(std::move(tg));
    }
  }
  return out;
}

Result<std::vector<Target>> LoadTargets(const std::string& path) {
  if (path.empty()) return std::vector<Target>{};
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  ParsedTargets p = ParseTargets(ss.str(), path);
  if (!p.issues.empty()) {
    const auto& i = p.issues.front();
    return MakeError(ErrorKind::kBadInput,
                     path + " line " + std::to_string(i.line) + ": " + i.key + " " + i.message,
                     "fix the file; docs/notify.md shows every key");
  }
  return p.targets;
}

}  // namespace hk::notify
