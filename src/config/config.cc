#include "config/config.h"

#include <cstdlib>
#include <filesystem>
#include <toml++/toml.h>

namespace hk {

struct Config::Impl {
  toml::table table;
};

namespace {

// Every key hikkoshi reads outside [cutover] (which src/cutover/config.cc
// checks the same way, in more depth). docs/config.md lists them.
enum class Type { kString, kInt };
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
};
// Sections validated by their own command's loader.
const char* const kOwnSections[] = {"cutover"};

std::string Where(const std::string& path, const toml::node& n) {
  return path + " line " + std::to_string(n.source().begin.line);
}

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

Status ValidateTable(const toml::table& t, const std::string& prefix, const std::string& path) {
  for (const auto& [k, node] : t) {
    std::string key = prefix + std::string(k.str());
    if (prefix.empty()) {
      bool own = false;
      for (const char* s : kOwnSections) own = own || key == s;
      if (own) continue;
    }
    const KeySpec* spec = Find(key);
    if (!spec) {
      if (prefix.empty() && node.is_table() && IsSection(key)) {
        HK_RETURN_IF_ERROR(ValidateTable(*node.as_table(), key + ".", path));
        continue;
      }
      if (prefix.empty() && node.is_table())
        return Bad(Where(path, node), "[" + key + "]", "is not a known section");
      return Bad(Where(path, node), key, "is not a known key");
    }
    if (spec->type == Type::kString && !node.is_string())
      return Bad(Where(path, node), key, "must be a string");
    if (spec->type == Type::kInt) {
      if (!node.is_integer())
        return Bad(Where(path, node), key,
                   "must be a whole number from " + std::to_string(spec->min) + " to " +
                       std::to_string(spec->max));
      int64_t v = *node.value<int64_t>();
      if (v < spec->min || v > spec->max)
        return Bad(Where(path, node), key,
                   "is " + std::to_string(v) + ", out of range (" + std::to_string(spec->min) +
                       " to " + std::to_string(spec->max) + ")");
    }
  }
  return Status::Ok();
}

}  // namespace

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
  if (!p.empty()) HK_RETURN_IF_ERROR(ValidateTable(impl->table, "", p));
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
