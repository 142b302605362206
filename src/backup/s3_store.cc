#include "backup/s3_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "backup/file_io.h"
#include "backup/s3_upload.h"
#include "backup/s3_xml.h"
#include "common/log.h"

namespace hk::backup {

Result<std::unique_ptr<S3Store>> S3Store::Open(const Location& loc, const S3Options& opts) {
  HK_ASSIGN_OR_RETURN(auto o, ResolveS3Options(opts));
  HK_ASSIGN_OR_RETURN(auto creds, S3CredentialsFromEnv());
  return std::unique_ptr<S3Store>(
      new S3Store(loc, std::make_unique<S3Client>(o, creds, loc.bucket)));
}

Result<std::vector<ObjectInfo>> S3Store::List(const std::string& sub, int max_keys) {
  std::vector<ObjectInfo> out;
  std::string prefix = FullKey(sub);
  std::string base = loc_.prefix.empty() ? "" : loc_.prefix + "/";
  std::string token;
  while (true) {
    S3Request req;
    req.query = {{"list-type", "2"}, {"prefix", prefix}};
    if (max_keys > 0) req.query.push_back({"max-keys", std::to_string(max_keys)});
    if (!token.empty()) req.query.push_back({"continuation-token", token});
    HK_ASSIGN_OR_RETURN(auto r, s3_->Send(req));
    if (!r.ok()) return s3_->ErrorFor(r, "listing");
    for (const auto& block : XmlBlocks(r.body, "Contents")) {
      std::string key = XmlText(block, "Key");
      if (key.rfind(base, 0) != 0) continue;
      uint64_t size = std::strtoull(XmlText(block, "Size").c_str(), nullptr, 10);
      out.push_back({key.substr(base.size()), size});
    }
    token = XmlText(r.body, "NextContinuationToken");
    if (max_keys > 0 || XmlText(r.body, "IsTruncated") != "true" || token.empty()) break;
  }
  return out;
}

Status S3Store::Probe() {
  HK_ASSIGN_OR_RETURN(auto l, List("", 1));
  (void)l;
  return Status::Ok();
}

Status S3Store::BeginBackup(const std::string& name) {
  AbortLeftoverUploads(*s3_);
  HK_ASSIGN_OR_RETURN(auto l, List(name + "/", 1));
  if (!l.empty()) {
    return MakeError(ErrorKind::kBadInput,
                     "a backup named " + name + " already exists in " + Describe(),
                     "choose another --name");
  }
  return Status::Ok();
}

Status S3Store::PutFile(const std::string& local_path, const std::string& key,
                        const ManifestFile& expected) {
  HK_RETURN_IF_ERROR(UploadFile(*s3_, local_path, expected.size, FullKey(key)));
  // Independent confirmation of what the server now holds.
  S3Request head;
  head.method = "HEAD";
  head.key = FullKey(key);
  HK_ASSIGN_OR_RETURN(auto r, s3_->Send(head));
  if (!r.ok()) return s3_->ErrorFor(r, "HEAD of " + key);
  if (r.headers["content-length"] != std::to_string(expected.size)) {
    return MakeError(ErrorKind::kInternal, "S3 holds " + r.headers["content-length"] +
                                               " bytes of " + key + ", expected " +
                                               std::to_string(expected.size));
  }
  return Status::Ok();
}

Status S3Store::PutSmall(const std::string& key, const std::string& data) {
  return PutObjectBytes(*s3_, FullKey(key), data);
}

Result<std::optional<std::string>> S3Store::GetSmall(const std::string& key) {
  S3Request req;
  req.key = FullKey(key);
  HK_ASSIGN_OR_RETURN(auto r, s3_->Send(req));
  if (r.status == 404 && XmlText(r.body, "Code") != "NoSuchBucket")
    return std::optional<std::string>();
  if (!r.ok()) return s3_->ErrorFor(r, "download of " + key);
  return std::optional<std::string>(std::move(r.body));
}

Status S3Store::Fetch(const std::string& key, Digest* sha, const std::string& to_path) {
  S3Request req;
  req.key = FullKey(key);
  req.sink_sha = sha;
  int fd = -1;
  if (!to_path.empty()) {
    HK_RETURN_IF_ERROR(MakeDirs(std::filesystem::path(to_path).parent_path().string()));
    // A dump holds all the data: private, like the files backup writes.
    fd = ::open(to_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return IoError("cannot create", to_path, errno);
    req.sink_fd = fd;
    req.sink_path = to_path;
  }
  auto r = s3_->Send(req);
  if (fd >= 0) ::close(fd);
  if (!r.ok()) return r.TakeError();
  if (r->status == 404 && XmlText(r->body, "Code") == "NoSuchKey") {
    return MakeError(ErrorKind::kInternal, key + " is missing from " + Describe());
  }
  if (!r->ok()) return s3_->ErrorFor(*r, "download of " + key);
  return Status::Ok();
}

Result<std::vector<ObjectInfo>> S3Store::ListAll() { return List("", 0); }

void S3Store::DiscardPartial(const std::string& name) {
  auto l = List(name + "/", 0);
  if (!l.ok()) return;
  for (const auto& o : *l) {
    if (o.key == name + "/" + kManifestFile) return;  // never touch a complete backup
  }
  for (const auto& o : *l) {
    S3Request del;
    del.method = "DELETE";
    del.key = FullKey(o.key);
    (void)s3_->Send(del, 2);
  }
}

}  // namespace hk::backup
