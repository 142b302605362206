#include "backup/digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace hk::backup {
namespace {

const EVP_MD* Md(Digest::Algo a) { return a == Digest::Algo::kSha256 ? EVP_sha256() : EVP_md5(); }

Error IoError(const std::string& what, const std::string& path, int err) {
  return MakeError(ErrorKind::kInternal, what + " " + path + ": " + std::strerror(err));
}

// Reads [offset, offset+len) (len = UINT64_MAX: to the end) into the digest.
Status ReadInto(const std::string& path, uint64_t offset, uint64_t len, Digest& d,
                std::atomic<uint64_t>* count = nullptr) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open", path, errno);
  std::vector<char> buf(1 << 20);
  uint64_t left = len;
  off_t pos = static_cast<off_t>(offset);
  while (left > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
    ssize_t n = ::pread(fd, buf.data(), want, pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return IoError("cannot read", path, e);
    }
    if (n == 0) break;
    d.Update(buf.data(), static_cast<size_t>(n));
    if (count) *count += static_cast<uint64_t>(n);
    pos += n;
    if (left != UINT64_MAX) left -= static_cast<uint64_t>(n);
  }
  ::close(fd);
  return Status::Ok();
}

}  // namespace

Digest::Digest(Algo algo) : algo_(algo), ctx_(EVP_MD_CTX_new()) { Reset(); }

Digest::~Digest() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Digest::Reset() {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Md(algo_), nullptr);
  bytes_ = 0;
}

void Digest::Update(const void* data, size_t len) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, len);
  bytes_ += len;
}

std::string Digest::FinishRaw() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string Digest::FinishHex() { return ToHex(FinishRaw()); }

std::string ToHex(std::string_view raw) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  s.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    s += kHex[c >> 4];
    s += kHex[c & 15];
  }
  return s;
}

std::string Base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<FileDigest> HashFile(const std::string& path, std::atomic<uint64_t>* count) {
  Digest d(Digest::Algo::kSha256);
  HK_RETURN_IF_ERROR(ReadInto(path, 0, UINT64_MAX, d, count));
  FileDigest fd;
  fd.size = d.bytes();
  fd.sha256 = d.FinishHex();
  return fd;
}

Result<std::string> Md5OfRange(const std::string& path, uint64_t offset, uint64_t len) {
  Digest d(Digest::Algo::kMd5);
  HK_RETURN_IF_ERROR(ReadInto(path, offset, len, d));
  if (d.bytes() != len) {
    return MakeError(ErrorKind::kInternal, path + " changed size while it was being uploaded");
  }
  return d.FinishRaw();
}

}  // namespace hk::backup
