// Small durable records other stages leave in the work directory for
// `status` and `report` (check.json, verify.json, backups.json; formats in
// docs/state.md), and the time helpers they share. Written atomically
// (temporary file in the same directory, fsync, rename).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"

namespace hk::status {

/// Writes `j` to WORKDIR/name atomically, creating WORKDIR (0700) if needed.
Status WriteRecord(const std::string& workdir, const std::string& name, const nlohmann::json& j);

/// Reads WORKDIR/name: nullopt when missing; an error naming the file when
/// it is not a JSON object.
Result<std::optional<nlohmann::json>> ReadRecord(const std::string& workdir,
                                                 const std::string& name);

/// Appends one backup to WORKDIR/backups.json (a JSON array, newest last,
/// at most 50 kept), rewriting the file atomically.
Status AppendBackupRecord(const std::string& workdir, const nlohmann::json& entry);

/// Where a command that has no work directory of its own (check, verify,
/// backup) leaves its record: the resolved work directory when it was given
/// explicitly (--dir, HIKKOSHI_DIR, config `workdir`: anything but the
/// default ".hikkoshi") or already exists; "" = nowhere.
std::string RecordDir(const std::string& resolved, bool flag_given);

/// `j` without its null members, recursively (records are read with
/// json::value(key, default), which throws on a null).
nlohmann::json DropNulls(nlohmann::json j);

/// Every string in `j` (values, not keys) passed through Scrub().
nlohmann::json ScrubJson(nlohmann::json j);

int64_t NowMs();
/// "2026-12-02T08:22:04.123Z" for Unix milliseconds.
std::string IsoOfMs(int64_t ms);
/// Parses the ISO 8601 UTC forms hikkoshi writes ("...T..:..:..(.fff)Z");
/// -1 when it is not one.
int64_t MsOfIso(const std::string& iso);

}  // namespace hk::status
