// The application's env file (`.env`): read one variable, rewrite it
// atomically. The rewrite keeps every other line byte for byte, writes a
// temp file in the same directory, fsyncs it, renames it over the original
// and fsyncs the directory; the file's mode and owner are preserved (0600
// for a file that did not exist).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hk::cutover {

/// The value of `name` in env-file text (`NAME=value`, `export NAME=value`,
/// single or double quotes). nullopt when absent.
std::optional<std::string> EnvValue(std::string_view text, std::string_view name);

/// `text` with `name` set to `value` (the line replaced in place, or appended).
/// The value is written double-quoted when it needs quoting.
std::string WithEnvValue(std::string_view text, std::string_view name, std::string_view value);

/// Reads `path` ("" with ok when missing and missing_ok).
Result<std::string> ReadWholeFile(const std::string& path, bool missing_ok = false);

/// Replaces `path` with `text` atomically (temp, fsync, rename, fsync dir),
/// preserving mode and owner, 0600 when new.
Status WriteFileAtomic(const std::string& path, const std::string& text);

/// Sets `name` in the env file at `path`. When `backup_path` is given and no
/// backup exists there yet, the current file is first copied there (0600), so
/// a rerun never overwrites the original with an already switched file.
Status SetEnvVar(const std::string& path, const std::string& name, const std::string& value,
                 const std::string& backup_path);

}  // namespace hk::cutover
