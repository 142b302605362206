#include "config/config.h"

#include <cstdlib>
#include <filesystem>
#include <toml++/toml.h>

namespace hk {

struct Config::Impl {
  toml::table table;
};

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
