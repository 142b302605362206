#include "backup/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hk::backup {
namespace fs = std::filesystem;

Error IoError(const std::string& what, const std::string& path, int err) {
  if (err == ENOSPC || err == EDQUOT) {
    return MakeError(ErrorKind::kInternal, "the disk holding " + path + " is full (" + what + ")",
                     "free some space or choose another destination; nothing was marked complete");
  }
  return MakeError(ErrorKind::kInternal, what + " " + path + ": " + std::strerror(err));
}

Status MakeDirs(const std::string& path) {
  // 0700: backups hold all the data. Directories that exist keep their mode.
  fs::path so_far;
  for (const auto& part : fs::path(path)) {
    so_far /= part;
    if (::mkdir(so_far.c_str(), 0700) != 0 && errno != EEXIST)
      return IoError("cannot create directory", so_far.string(), errno);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return IoError("cannot create directory", path, errno);
  if (!S_ISDIR(st.st_mode)) return IoError("cannot create directory", path, ENOTDIR);
  return Status::Ok();
}

Status FsyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open", path, errno);
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0) return IoError("cannot fsync", path, e);
  return Status::Ok();
}

namespace {

Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write", path, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

std::string Parent(const std::string& path) {
  std::string p = fs::path(path).parent_path().string();
  return p.empty() ? "." : p;
}

}  // namespace

Status WriteFileAtomic(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create", tmp, errno);
  Status st = WriteAll(fd, data.data(), data.size(), tmp);
  if (st.ok() && ::fsync(fd) != 0) st = IoError("cannot fsync", tmp, errno);
  ::close(fd);
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return IoError("cannot rename onto", path, e);
  }
  return FsyncPath(Parent(path));
}

Result<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    Error e = IoError("cannot read", path, errno ? errno : ENOENT);
    return e;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Status CopyFileDurable(const std::string& src, const std::string& dst, Digest* sha,
                       std::atomic<uint64_t>* count) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return IoError("cannot open", src, errno);
  int out = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    int e = errno;
    ::close(in);
    return IoError("cannot create", dst, e);
  }
  std::vector<char> buf(1 << 20);
  Status st;
  while (true) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      st = IoError("cannot read", src, errno);
      break;
    }
    if (n == 0) break;
    if (sha) sha->Update(buf.data(), static_cast<size_t>(n));
    st = WriteAll(out, buf.data(), static_cast<size_t>(n), dst);
    if (!st.ok()) break;
    if (count) *count += static_cast<uint64_t>(n);
  }
  if (st.ok() && ::fsync(out) != 0) st = IoError("cannot fsync", dst, errno);
  ::close(in);
  ::close(out);
  return st;
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::vector<std::string>> ListFilesRecursive(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) return IoError("cannot list", dir, ec.value());
  for (; it != end; it.increment(ec)) {
    if (ec) return IoError("cannot list", dir, ec.value());
    if (it->is_regular_file(ec)) out.push_back(fs::relative(it->path(), dir, ec).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

}  // namespace hk::backup
