// The [cutover] section of hikkoshi.toml: how writes are frozen, how the
// application is switched, and how its health is judged. docs/cutover.md
// documents every key with an example.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/human.h"
#include "common/status.h"

namespace hk::cutover {

/// The longest duration any setting accepts: 7 days (hk::ParseDuration's default).
constexpr int64_t kMaxDurationMs = DurationRules{}.max_ms;

struct Hook {
  std::string name;  ///< For the journal; defaults to the command.
  std::string run;   ///< Run by /bin/sh -c.
  int64_t timeout_ms = 120000;
  bool on_cutover = true;  ///< `when = "cutover" | "rollback" | "both"` (default both).
  bool on_rollback = true;
};

struct HttpCheck {
  std::string url;
  int expect_status = 200;
  int64_t budget_ms = 200;
};

struct CutoverConfig {
  // [cutover]
  std::string freeze = "readonly";     ///< readonly | pgbouncer
  std::vector<std::string> app_roles;  ///< Sessions of these roles are ended at freeze.
  std::vector<std::string> app_names;  ///< ... and of these application_names.
  bool terminate_superusers = false;
  int64_t max_freeze_ms = 30000;
  int64_t max_lag_bytes = 16 * 1024 * 1024;
  double max_lag_seconds = 10;
  int64_t sequence_gap = 0;
  std::string verify = "counts";  ///< counts | none
  std::string backup_check;       ///< Shell command that must exit 0.

  // [cutover.env_file]
  std::string env_path;
  std::string env_variable = "DATABASE_URL";
  std::string env_target_value;  ///< Written at cutover; default: the target URL.

  // [cutover.pgbouncer] (freeze = "pgbouncer")
  std::string pgb_admin_url;     ///< The admin console (database "pgbouncer").
  std::string pgb_database;      ///< The [databases] entry the app uses.
  std::string pgb_ini_path;      ///< File holding that entry (an %include of pgbouncer.ini).
  std::string pgb_target_entry;  ///< The entry's connect string on the target.

  std::vector<Hook> hooks;  ///< [[cutover.hooks]], in order.

  // [cutover.health]
  std::vector<HttpCheck> http;     ///< [[cutover.health.http]]
  int64_t health_wait_ms = 30000;  ///< How long the app may take to pass.
  std::string sql_probe = "SELECT 1";
  int64_t sql_budget_ms = 50;
  bool write_probe = true;

  /// Not from the file: a rehearsal (pipeline/rehearsal) switches no
  /// application, so it needs no health URL.
  bool rehearsal = false;
};

/// Reads [cutover] from the TOML file at `path` (empty: defaults only).
/// Unknown keys and wrong types are errors naming the key.
Result<CutoverConfig> LoadCutoverConfig(const std::string& path);

/// Same, from TOML text (for tests).
Result<CutoverConfig> ParseCutoverConfig(std::string_view toml_text, const std::string& origin);

}  // namespace hk::cutover
