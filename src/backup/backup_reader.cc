#include "backup/backup_reader.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>

#include "backup/file_io.h"
#include "common/log.h"

namespace hk::backup {

Result<std::unique_ptr<OpenedBackup>> OpenedBackup::Open(const Location& from, const S3Options& s3,
                                                         const std::string& name) {
  HK_RETURN_IF_ERROR(ValidateBackupName(name));
  std::unique_ptr<OpenedBackup> b(new OpenedBackup());
  HK_ASSIGN_OR_RETURN(b->store_, OpenStore(from, s3));
  HK_ASSIGN_OR_RETURN(auto text, b->store_->GetSmall(name + "/" + kManifestFile));
  if (!text) {
    return MakeError(ErrorKind::kBadInput,
                     "there is no complete backup named " + name + " in " + from.Describe(),
                     "run `hikkoshi backup list --from " + from.Describe() +
                         "` (a backup without manifest.json never finished)");
  }
  auto parsed = Manifest::Parse(*text);
  if (!parsed.ok()) {
    Error e = parsed.TakeError();
    if (e.message.rfind("malformed manifest", 0) != 0 && e.message.rfind("not a hikkoshi", 0) != 0)
      return e;  // e.g. a newer format: its own sentence
    e.message = "the manifest of backup " + name + " (" + name + "/" + kManifestFile + " in " +
                from.Describe() + ") is corrupt or truncated: " + e.message;
    e.hint = "this backup cannot be trusted; restore another one (`hikkoshi backup list --from " +
             from.Describe() + "`) or take a new backup";
    return e;
  }
  b->manifest_ = std::move(parsed).value();
  if (b->manifest_.name != name) {
    return MakeError(ErrorKind::kBadInput, "the manifest in " + name + " names another backup (" +
                                               b->manifest_.name + ")");
  }
  if (auto p = b->store_->LocalPath(name)) {
    b->local_root_ = *p;
  } else {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/hikkoshi-restore-XXXXXX";
    if (!::mkdtemp(tmpl.data())) return IoError("cannot create a download directory in", tmpl, errno);
    b->temp_dir_ = b->local_root_ = tmpl;
  }
  return b;
}

OpenedBackup::~OpenedBackup() {
  if (!temp_dir_.empty()) RemoveTree(temp_dir_);
}

Result<std::vector<std::string>> OpenedBackup::CheckFiles() {
  std::vector<std::string> problems;
  bool download = !temp_dir_.empty();
  for (const auto& f : manifest_.files) {
    Digest sha(Digest::Algo::kSha256);
    std::string key = manifest_.name + "/" + f.path;
    Status st = store_->Fetch(key, &sha, download ? local_root_ + "/" + f.path : "");
    if (!st.ok()) {
      if (st.error().kind != ErrorKind::kInternal) return st.TakeError();
      problems.push_back(f.path + ": cannot be read (" + st.error().message + ")");
      continue;
    }
    uint64_t size = sha.bytes();
    std::string got = sha.FinishHex();
    if (size != f.size) {
      problems.push_back(f.path + ": size is " + std::to_string(size) + " bytes, the manifest says " +
                         std::to_string(f.size));
    } else if (got != f.sha256) {
      problems.push_back(f.path + ": SHA-256 mismatch (manifest " + f.sha256.substr(0, 16) +
                         "..., stored " + got.substr(0, 16) + "...)");
    }
  }
  LogInfo("checked {} file(s) of {}: {}", manifest_.files.size(), Describe(),
          problems.empty() ? "all intact" : std::to_string(problems.size()) + " damaged");
  return problems;
}

}  // namespace hk::backup
