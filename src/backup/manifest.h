// manifest.json: what a backup contains and promises. It is written LAST, so
// its presence is what makes a backup complete. Format: docs/backup.md.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backup/db_facts.h"
#include "common/status.h"

namespace hk::backup {

inline constexpr const char* kManifestFile = "manifest.json";
inline constexpr const char* kVerifyFile = "verify.json";
inline constexpr int kManifestFormatVersion = 1;

struct ManifestFile {
  std::string path;  ///< Relative to the backup's directory, '/'-separated.
  uint64_t size = 0;
  std::string sha256;
};

struct SourceInfo {
  std::string url;  ///< Redacted: never a password.
  std::string database;
  std::string server_version;
  int server_version_num = 0;
  std::string system_identifier;  ///< "" when not readable by the role.
  std::string lsn;
  int64_t database_size_bytes = 0;
  std::string snapshot;
  std::string snapshot_time;  ///< Server's now() in the snapshot.
};

struct Manifest {
  std::string name;
  std::string created_at;    ///< When the snapshot was taken (UTC, ISO 8601).
  std::string completed_at;  ///< When the manifest was written.
  SourceInfo source;
  std::string dump_format;  ///< "custom" or "directory"
  std::string dump_path;    ///< "dump.pgdump" or "dump" (a directory)
  int jobs = 1;
  std::string pg_dump_version, hikkoshi_version;
  DbFacts facts;
  std::vector<ManifestFile> files;

  uint64_t TotalSize() const;
  nlohmann::json ToJson() const;
  static Result<Manifest> Parse(const std::string& text);
};

}  // namespace hk::backup
