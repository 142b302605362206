#include "backup/local_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "backup/file_io.h"
#include "backup/progress.h"
#include "backup/s3_store.h"

namespace hk::backup {
namespace fs = std::filesystem;

Status LocalStore::Probe() {
  HK_RETURN_IF_ERROR(MakeDirs(dir_));
  if (::access(dir_.c_str(), W_OK) != 0) return IoError("cannot write into", dir_, errno);
  return Status::Ok();
}

Status LocalStore::BeginBackup(const std::string& name) {
  std::string p = Path(name);
  if (::mkdir(p.c_str(), 0700) != 0) {
    if (errno == EEXIST) {
      return MakeError(ErrorKind::kBadInput,
                       "a backup named " + name + " already exists in " + dir_,
                       "choose another --name");
    }
    return IoError("cannot create directory", p, errno);
  }
  return Status::Ok();
}

Status LocalStore::PutFile(const std::string& local_path, const std::string& key,
                           const ManifestFile& expected) {
  std::string dst = Path(key);
  std::error_code ec;
  if (fs::exists(dst, ec) && fs::equivalent(local_path, dst, ec)) {
    // pg_dump wrote it here itself, with its umask's mode (0644): the data is private.
    if (::chmod(dst.c_str(), 0600) != 0) return IoError("cannot chmod", dst, errno);
    HK_RETURN_IF_ERROR(FsyncPath(dst));
    BytesMoved() += expected.size;
    return Status::Ok();
  }
  HK_RETURN_IF_ERROR(MakeDirs(fs::path(dst).parent_path().string()));
  Digest sha(Digest::Algo::kSha256);
  HK_RETURN_IF_ERROR(CopyFileDurable(local_path, dst, &sha, &BytesMoved()));
  uint64_t n = sha.bytes();
  std::string got = sha.FinishHex();
  if (n != expected.size || got != expected.sha256) {
    return MakeError(ErrorKind::kInternal, "copy of " + expected.path + " to " + dir_ +
                                               " does not match its checksum (the file changed?)");
  }
  return FsyncPath(fs::path(dst).parent_path().string());
}

Status LocalStore::PutSmall(const std::string& key, const std::string& data) {
  return WriteFileAtomic(Path(key), data);
}

Result<std::optional<std::string>> LocalStore::GetSmall(const std::string& key) {
  if (!PathExists(Path(key))) return std::optional<std::string>();
  HK_ASSIGN_OR_RETURN(std::string s, ReadSmallFile(Path(key)));
  return std::optional<std::string>(std::move(s));
}

Status LocalStore::Fetch(const std::string& key, Digest* sha, const std::string& to_path) {
  if (!to_path.empty()) {
    HK_RETURN_IF_ERROR(MakeDirs(fs::path(to_path).parent_path().string()));
    return CopyFileDurable(Path(key), to_path, sha);
  }
  int fd = ::open(Path(key).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open", Path(key), errno);
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return IoError("cannot read", Path(key), e);
    }
    if (n == 0) break;
    sha->Update(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  return Status::Ok();
}

Result<std::vector<ObjectInfo>> LocalStore::ListAll() {
  std::vector<ObjectInfo> out;
  if (!PathExists(dir_)) {
    return MakeError(ErrorKind::kBadInput, "backup directory " + dir_ + " does not exist",
                     "check --from");
  }
  HK_ASSIGN_OR_RETURN(auto files, ListFilesRecursive(dir_));
  for (auto& f : files) {
    std::error_code ec;
    uint64_t size = fs::file_size(Path(f), ec);
    out.push_back({f, ec ? 0 : size});
  }
  return out;
}

void LocalStore::DiscardPartial(const std::string& name) {
  // Never touch a complete backup.
  if (PathExists(Path(name + "/" + kManifestFile))) return;
  RemoveTree(Path(name));
}

Result<std::unique_ptr<Store>> OpenStore(const Location& loc, const S3Options& s3) {
  if (loc.kind == Location::Kind::kLocal) return std::unique_ptr<Store>(new LocalStore(loc.path));
  HK_ASSIGN_OR_RETURN(auto st, S3Store::Open(loc, s3));
  return std::unique_ptr<Store>(std::move(st));
}

}  // namespace hk::backup
