#pragma once

#include <memory>

#include "backup/s3_client.h"
#include "backup/store.h"

namespace hk::backup {

/// Backups under s3://bucket/prefix/NAME/{files..., manifest.json}.
class S3Store : public Store {
 public:
  static Result<std::unique_ptr<S3Store>> Open(const Location& loc, const S3Options& opts);
  std::string Describe() const override { return loc_.Describe(); }
  Status Probe() override;
  Status BeginBackup(const std::string& name) override;
  Status PutFile(const std::string& local_path, const std::string& key,
                 const ManifestFile& expected) override;
  Status PutSmall(const std::string& key, const std::string& data) override;
  Result<std::optional<std::string>> GetSmall(const std::string& key) override;
  Status Fetch(const std::string& key, Digest* sha, const std::string& to_path) override;
  Result<std::vector<ObjectInfo>> ListAll() override;
  std::optional<std::string> LocalPath(const std::string&) const override { return std::nullopt; }
  void DiscardPartial(const std::string& name) override;

 private:
  S3Store(Location loc, std::unique_ptr<S3Client> c) : loc_(std::move(loc)), s3_(std::move(c)) {}
  std::string FullKey(const std::string& key) const {
    return loc_.prefix.empty() ? key : loc_.prefix + "/" + key;
  }
  /// Lists keys under FullKey(sub) (relative to the location); max 0 = all.
  Result<std::vector<ObjectInfo>> List(const std::string& sub, int max_keys);

  Location loc_;
  std::unique_ptr<S3Client> s3_;
};

}  // namespace hk::backup
