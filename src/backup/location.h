// Where backups are kept: a local directory or s3://bucket/prefix.
#pragma once

#include <string>

#include "common/status.h"

namespace hk::backup {

struct Location {
  enum class Kind { kLocal, kS3 } kind = Kind::kLocal;
  std::string path;    ///< kLocal: the directory holding backups.
  std::string bucket;  ///< kS3
  std::string prefix;  ///< kS3: "" or "a/b" (no leading/trailing slash).

  static Result<Location> Parse(const std::string& text);
  std::string Describe() const;
};

/// A backup name is one path component: letters, digits, '.', '_', '-'.
Status ValidateBackupName(const std::string& name);

}  // namespace hk::backup
