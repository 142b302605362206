// `freeze = "pgbouncer"`: the application reaches the database through
// PgBouncer. PAUSE on the admin console lets in-flight transactions finish
// and makes new ones wait (clients see a pause, not an error); the switch
// rewrites the database's [databases] entry in the ini file that holds it
// (atomically, with a backup), RELOADs, and RESUMEs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "cutover/config.h"

namespace hk::cutover {

/// The value of `key = value` in ini text (first match in the [databases]
/// section, or before any section header: an %include'd file may have none).
std::optional<std::string> IniEntry(std::string_view text, std::string_view key);
/// `text` with that [databases] line's value replaced (added at the end of
/// the [databases] section when absent); other sections are never touched.
std::string WithIniEntry(std::string_view text, std::string_view key, std::string_view value);

/// PAUSE db; gives up after timeout_ms: RESUMEs and closes the pausing
/// console connection without waiting for its answer.
Status PgbouncerPause(const CutoverConfig& cfg, int64_t timeout_ms);
/// RESUME db; a database that is not paused is fine.
Status PgbouncerResume(const CutoverConfig& cfg);
/// Points the entry at `entry` (keeping the original in backup_path when
/// given and not there yet), then RELOAD.
Status PgbouncerPoint(const CutoverConfig& cfg, const std::string& entry,
                      const std::string& backup_path);
/// The entry's current value in the ini file.
Result<std::string> PgbouncerCurrentEntry(const CutoverConfig& cfg);
/// Reachability of the console and presence of the database (preconditions).
Status PgbouncerCheck(const CutoverConfig& cfg);

}  // namespace hk::cutover
