// Local file helpers that report the OS's failure as one sentence (a full
// disk says so) and that make writes durable (fsync file and directory).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "backup/digest.h"
#include "common/status.h"

namespace hk::backup {

/// "cannot write /x/y: No space left on device" as an Error; ENOSPC/EDQUOT
/// get a "the disk is full" sentence and hint.
Error IoError(const std::string& what, const std::string& path, int err);

/// mkdir -p.
Status MakeDirs(const std::string& path);
/// Writes data to path.tmp, fsyncs it, renames it over path, fsyncs the directory.
Status WriteFileAtomic(const std::string& path, const std::string& data);
/// Reads a small file whole. Error with ENOENT when missing.
Result<std::string> ReadSmallFile(const std::string& path);
/// Copies src to dst (created, must not exist), fsyncs, hashing what was read
/// into `sha`; `count`, when set, grows by every block written.
Status CopyFileDurable(const std::string& src, const std::string& dst, Digest* sha,
                       std::atomic<uint64_t>* count = nullptr);
Status FsyncPath(const std::string& path);
bool PathExists(const std::string& path);
/// Files under dir (recursive), relative '/'-separated paths, sorted.
Result<std::vector<std::string>> ListFilesRecursive(const std::string& dir);
/// rm -rf; best effort.
void RemoveTree(const std::string& path);

}  // namespace hk::backup
