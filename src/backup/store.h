// A place that keeps backups: a local directory or an S3 bucket prefix. Keys
// are relative to the location: "NAME/manifest.json", "NAME/dump/toc.dat".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backup/digest.h"
#include "backup/location.h"
#include "backup/manifest.h"
#include "backup/s3_config.h"
#include "common/status.h"

namespace hk::backup {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string Describe() const = 0;

  /// Before any work: the location is reachable, the credentials work, the
  /// directory/bucket exists (a local directory is created).
  virtual Status Probe() = 0;
  /// Error when anything named NAME already exists here (complete or not).
  virtual Status BeginBackup(const std::string& name) = 0;
  /// Stores a local file under key; confirms it arrived intact (size, and
  /// SHA-256 for local copies, per-part MD5 for S3).
  virtual Status PutFile(const std::string& local_path, const std::string& key,
                         const ManifestFile& expected) = 0;
  /// Stores a small file atomically: readers see the old or the new content.
  virtual Status PutSmall(const std::string& key, const std::string& data) = 0;
  /// A small file's content, nullopt when it does not exist.
  virtual Result<std::optional<std::string>> GetSmall(const std::string& key) = 0;
  /// Streams the object through `sha` and, when to_path is set, into that new local file.
  virtual Status Fetch(const std::string& key, Digest* sha, const std::string& to_path) = 0;
  /// Every object under the location.
  virtual Result<std::vector<ObjectInfo>> ListAll() = 0;
  /// The local path of a key when the store is a local directory.
  virtual std::optional<std::string> LocalPath(const std::string& key) const = 0;
  /// Best-effort removal of what a failed backup left behind.
  virtual void DiscardPartial(const std::string& name) = 0;
};

Result<std::unique_ptr<Store>> OpenStore(const Location& loc, const S3Options& s3);

}  // namespace hk::backup
