// hikkoshi.toml plus HIKKOSHI_* environment variables. Precedence, everywhere:
// command-line flag > environment variable > config file > built-in default.
// docs/config.md documents every key.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/issue.h"

namespace hk {

class Config {
 public:
  /// Loads `path` if given (it must exist), else ./hikkoshi.toml when present,
  /// else an empty config.
  static Result<Config> Load(const std::string& path);

  /// Every unknown key (with "did you mean") and wrong type in the TOML file
  /// at `path`, each with its line; for `hikkoshi config check`.
  static std::vector<ConfigIssue> CheckKeys(const std::string& path);

  /// A dotted key ("source", "clone.jobs"), as a string whatever its TOML type.
  std::optional<std::string> Get(const std::string& dotted_key) const;
  std::optional<int64_t> GetInt(const std::string& dotted_key) const;
  std::optional<bool> GetBool(const std::string& dotted_key) const;
  /// An array of strings (other elements skipped); empty when unset.
  std::vector<std::string> GetStrings(const std::string& dotted_key) const;
  const std::string& path() const { return path_; }

  /// Fills `value` from env `env_name`, then from `key`, when the flag was not given.
  void Resolve(std::string& value, bool flag_given, const char* env_name,
               const std::string& key) const;

  struct Impl;

 private:
  std::string path_;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace hk
