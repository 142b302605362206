#include "config/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>

namespace hk {

struct Config::Impl {
  toml::table table;
};

namespace {

// Every key hikkoshi reads outside [cutover] (which src/cutover/config.cc
// checks the same way, in more depth). docs/config.md lists them.
enum class Type { kString, kInt, kStringArray, kBool };
struct KeySpec {
  const char* key;  ///< Dotted: "source", "clone.jobs".
  Type type;
  int64_t min = 0, max = 0;  ///< For kInt.
};
const KeySpec kKeys[] = {
    {"source", Type::kString},
    {"target", Type::kString},
    {"workdir", Type::kString},
    {"clone.jobs", Type::kInt, 1, 64},
    {"clone.index_jobs", Type::kInt, 1, 64},
    // [[notify]] (an array of tables: every entry is checked with these keys).
    {"notify.url", Type::kString},
    {"notify.command", Type::kStringArray},
    {"notify.events", Type::kStringArray},
    {"notify.min_lag_bytes", Type::kInt, 0, INT64_MAX},
    {"notify.min_retained_wal_bytes", Type::kInt, 0, INT64_MAX},
    {"watch.every", Type::kString},
    {"watch.retire_after", Type::kString},
    // hikkoshi migrate (docs/migrate.md).
    {"backup.to", Type::kStringArray},
    {"backup.restore_into", Type::kString},
    {"clone.replica_identity_full", Type::kBool},
    {"clone.role_map", Type::kStringArray},
    {"clone.exclude_tables", Type::kStringArray},
    {"migrate.window", Type::kString},
    {"migrate.notice_before", Type::kString},
    {"migrate.scratch", Type::kString},
};
// Top-level keys written as arrays of tables ([[notify]]).
const char* const kTableArrays[] = {"notify"};
// Sections validated by their own command's loader.
const char* const kOwnSections[] = {"cutover"};

Error Bad(const std::string& where, const std::string& key, const std::string& what) {
  return MakeError(ErrorKind::kBadInput, where + ": " + key + " " + what,
                   "fix the file; docs/config.md shows every key");
}

const KeySpec* Find(const std::string& dotted) {
  for (const auto& k : kKeys)
    if (dotted == k.key) return &k;
  return nullptr;
}

bool IsSection(const std::string& name) {
  for (const auto& k : kKeys)
    if (std::string(k.key).rfind(name + ".", 0) == 0) return true;
  for (const char* s : kOwnSections)
    if (name == s) return true;
  return false;
}

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean clone.jobs?)" when a known key or section is close.
std::string DidYouMean(const std::string& key) {
  std::vector<std::string> known;
  for (const auto& k : kKeys) {
    known.push_back(k.key);
    std::string k2 = k.key;
    if (auto dot = k2.find('.'); dot != std::string::npos) known.push_back(k2.substr(0, dot));
  }
  for (const char* s : kOwnSections) known.push_back(s);
  std::string best;
  size_t best_d = 3;
  for (const auto& k : known) {
    size_t d = EditDistance(key, k);
    if (d < best_d) best_d = d, best = k;
  }
  return best.empty() ? "" : " (did you mean " + best + "?)";
}

bool IsTableArray(const std::string& key) {
  for (const char* s : kTableArrays)
    if (key == s) return true;
  return false;
}

void ValidateTable(const toml::table& t, const std::string& prefix, std::vector<ConfigIssue>& out) {
  for (const auto& [k, node] : t) {
    std::string key = prefix + std::string(k.str());
    if (prefix.empty()) {
      bool own = false;
      for (const char* s : kOwnSections) own = own || key == s;
      if (own) continue;
      if (IsTableArray(key)) {
        const toml::array* a = node.as_array();
        if (!a || !a->is_array_of_tables()) {
          out.push_back({LineOf(node), key, "must be written as [[" + key + "]] entries"});
          continue;
        }
        for (const auto& e : *a) ValidateTable(*e.as_table(), key + ".", out);
        continue;
      }
    }
    const KeySpec* spec = Find(key);
    if (!spec) {
      if (prefix.empty() && node.is_table() && IsSection(key)) {
        ValidateTable(*node.as_table(), key + ".", out);
        continue;
      }
      if (prefix.empty() && node.is_table())
        out.push_back({LineOf(node), "[" + key + "]", "is not a known section" + DidYouMean(key)});
      else
        out.push_back({LineOf(node), key, "is not a known key" + DidYouMean(key)});
      continue;
    }
    if (spec->type == Type::kString && !node.is_string())
      out.push_back({LineOf(node), key, "must be a string"});
    if (spec->type == Type::kBool && !node.is_boolean())
      out.push_back({LineOf(node), key, "must be true or false"});
    if (spec->type == Type::kStringArray) {
      const toml::array* a = node.as_array();
      bool ok =
          a && std::all_of(a->begin(), a->end(), [](const toml::node& e) { return e.is_string(); });
      if (!ok) out.push_back({LineOf(node), key, "must be an array of strings"});
    }
    if (spec->type == Type::kInt) {
      if (!node.is_integer()) {
        out.push_back({LineOf(node), key,
                       "must be a whole number from " + std::to_string(spec->min) + " to " +
                           std::to_string(spec->max)});
        continue;
      }
      int64_t v = *node.value<int64_t>();
      if (v < spec->min || v > spec->max)
        out.push_back({LineOf(node), key,
                       "is " + std::to_string(v) + ", out of range (" + std::to_string(spec->min) +
                           " to " + std::to_string(spec->max) + ")"});
    }
  }
}

}  // namespace

std::vector<ConfigIssue> Config::CheckKeys(const std::string& path) {
  std::vector<ConfigIssue> out;
  try {
    toml::table t = toml::parse_file(path);
    ValidateTable(t, "", out);
  } catch (const toml::parse_error& e) {
    out.push_back({static_cast<int>(e.source().begin.line), "",
                   "is not valid TOML: " + std::string(e.description())});
  }
  return out;
}

Result<Config> Config::Load(const std::string& path) {
  Config c;
  auto impl = std::make_shared<Impl>();
  std::string p = path;
  if (p.empty()) {
    if (std::filesystem::exists("hikkoshi.toml")) p = "hikkoshi.toml";
  } else if (!std::filesystem::exists(p)) {
    return MakeError(ErrorKind::kBadInput, "config file " + p + " does not exist",
                     "pass an existing file to --config or leave it out");
  }
  if (!p.empty()) {
    try {
      impl->table = toml::parse_file(p);
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      return MakeError(ErrorKind::kBadInput,
                       "config file " + p + " is not valid TOML at line " +
                           std::to_string(where.line) + ": " + std::string(e.description()),
                       "fix the file; docs/config.md shows every key");
    }
  }
  if (!p.empty()) {
    std::vector<ConfigIssue> issues;
    ValidateTable(impl->table, "", issues);
    if (!issues.empty())
      return Bad(p + " line " + std::to_string(issues[0].line), issues[0].key, issues[0].message);
  }
  c.path_ = p;
  c.impl_ = impl;
  return c;
}

std::optional<std::string> Config::Get(const std::string& key) const {
  if (!impl_) return std::nullopt;
  auto node = impl_->table.at_path(key);
  if (!node) return std::nullopt;
  if (auto s = node.value<std::string>()) return *s;
  if (auto i = node.value<int64_t>()) return std::to_string(*i);
  if (auto d = node.value<double>()) return std::to_string(*d);
  if (auto b = node.value<bool>()) return *b ? "true" : "false";
  return std::nullopt;
}

std::optional<int64_t> Config::GetInt(const std::string& key) const {
  if (!impl_) return std::nullopt;
  return impl_->table.at_path(key).value<int64_t>();
}

std::vector<std::string> Config::GetStrings(const std::string& key) const {
  std::vector<std::string> out;
  if (!impl_) return out;
  if (const toml::array* a = impl_->table.at_path(key).as_array())
    for (const auto& e : *a)
      if (auto s = e.value<std::string>()) out.push_back(*s);
  return out;
}

std::optional<bool> Config::GetBool(const std::string& key) const {
  if (!impl_) return std::nullopt;
  return impl_->table.at_path(key).value<bool>();
}

void Config::Resolve(std::string& value, bool flag_given, const char* env_name,
                     const std::string& key) const {
  if (flag_given) return;
  if (env_name) {
    if (const char* e = std::getenv(env_name); e && *e) {
      value = e;
      return;
    }
  }
  if (auto v = Get(key)) value = *v;
}

}  // namespace hk
