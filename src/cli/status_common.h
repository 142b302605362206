// Shared by status, report and serve.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "pg/conninfo.h"

namespace hk::cli {

/// flag > HIKKOSHI_* env > config key; nullopt when none is set or it does
/// not parse (live numbers are optional: the files are the record).
std::optional<pg::ConnInfo> OptionalConn(const std::string& flag, bool given, const char* env,
                                         const char* key, const Config& cfg);

}  // namespace hk::cli
