#pragma once

#include "backup/store.h"

namespace hk::backup {

/// Backups in a local directory: DIR/NAME/{files..., manifest.json}.
class LocalStore : public Store {
 public:
  explicit LocalStore(std::string dir) : dir_(std::move(dir)) {}
  std::string Describe() const override { return dir_; }
  Status Probe() override;
  Status BeginBackup(const std::string& name) override;
  Status PutFile(const std::string& local_path, const std::string& key,
                 const ManifestFile& expected) override;
  Status PutSmall(const std::string& key, const std::string& data) override;
  Result<std::optional<std::string>> GetSmall(const std::string& key) override;
  Status Fetch(const std::string& key, Digest* sha, const std::string& to_path) override;
  Result<std::vector<ObjectInfo>> ListAll() override;
  std::optional<std::string> LocalPath(const std::string& key) const override { return Path(key); }
  void DiscardPartial(const std::string& name) override;

 private:
  std::string Path(const std::string& key) const { return dir_ + "/" + key; }
  std::string dir_;
};

}  // namespace hk::backup
