// Opening a stored backup for reading: its manifest, and every file re-read
// (local) or re-downloaded (S3) through SHA-256 and compared with the
// manifest. Downloads land in a temporary directory removed on destruction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backup/location.h"
#include "backup/manifest.h"
#include "backup/s3_config.h"
#include "backup/store.h"
#include "common/status.h"

namespace hk::backup {

class OpenedBackup {
 public:
  /// Error when no complete backup (no manifest) of that name is there.
  static Result<std::unique_ptr<OpenedBackup>> Open(const Location& from, const S3Options& s3,
                                                    const std::string& name);
  ~OpenedBackup();

  /// Re-reads / re-downloads every file and checks size and SHA-256. Returns
  /// one sentence per damaged or missing file (empty: all intact). After
  /// this, DumpPath() is a local path pg_restore can read.
  Result<std::vector<std::string>> CheckFiles();

  /// Local path of the dump (file or directory), valid after CheckFiles().
  std::string DumpPath() const { return local_root_ + "/" + manifest_.dump_path; }
  const Manifest& manifest() const { return manifest_; }
  Store& store() { return *store_; }
  std::string Describe() const { return store_->Describe() + "/" + manifest_.name; }

 private:
  OpenedBackup() = default;
  std::unique_ptr<Store> store_;
  Manifest manifest_;
  std::string local_root_;  ///< The backup's directory, or the download directory.
  std::string temp_dir_;
};

}  // namespace hk::backup
