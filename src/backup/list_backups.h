// `hikkoshi backup list`: what exists at a location, complete or not, with
// sizes, ages and the last verification result. Never deletes anything.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backup/location.h"
#include "backup/s3_config.h"
#include "common/status.h"

namespace hk::backup {

struct BackupEntry {
  std::string name;
  bool complete = false;      ///< Has a readable manifest.json.
  std::string created_at;     ///< From the manifest; "" when incomplete.
  std::string database;
  uint64_t size = 0;          ///< Bytes stored (manifest total, or what is there).
  size_t files = 0;
  std::string verification;   ///< "ok", "FAILED", "never"
  std::string verified_at;
  bool restore_checked = false;
};

Result<std::vector<BackupEntry>> ListBackups(const Location& from, const S3Options& s3);

/// A table for terminals; ages are relative to now.
std::string FormatBackupList(const std::vector<BackupEntry>& entries, const std::string& where);
nlohmann::json BackupListJson(const std::vector<BackupEntry>& entries, const std::string& where);

}  // namespace hk::backup
