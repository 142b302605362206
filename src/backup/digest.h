// Streaming message digests (OpenSSL EVP): SHA-256 for the manifest, MD5 for
// S3's Content-MD5 / ETag checks. Nothing is ever read whole into memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hk::backup {

class Digest {
 public:
  enum class Algo { kSha256, kMd5 };
  explicit Digest(Algo algo);
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;

  void Update(const void* data, size_t len);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  /// Starts over (used when a download is retried).
  void Reset();
  /// The raw digest bytes; the object must be Reset() before reuse.
  std::string FinishRaw();
  std::string FinishHex();
  uint64_t bytes() const { return bytes_; }

 private:
  Algo algo_;
  void* ctx_;  // EVP_MD_CTX*
  uint64_t bytes_ = 0;
};

std::string ToHex(std::string_view raw);
std::string Base64(std::string_view raw);

/// SHA-256 (hex) and size of a file, read in 1 MiB blocks.
struct FileDigest {
  std::string sha256;
  uint64_t size = 0;
};
/// `count`, when set, grows by every block read (a progress bar's numerator).
Result<FileDigest> HashFile(const std::string& path, std::atomic<uint64_t>* count = nullptr);

/// MD5 (raw bytes) of [offset, offset+len) of a file.
Result<std::string> Md5OfRange(const std::string& path, uint64_t offset, uint64_t len);

}  // namespace hk::backup
