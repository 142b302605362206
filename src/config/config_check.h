// `hikkoshi config check`: validates the whole hikkoshi.toml without touching
// any database — unknown keys (with "did you mean"), wrong types, malformed
// durations, sizes and URLs, and values the configured commands need.
#pragma once

#include <string>
#include <vector>

#include "config/issue.h"

namespace hk {

/// Every issue of the file at `path`, sorted by line. Empty: valid.
std::vector<ConfigIssue> CheckConfigFile(const std::string& path);

}  // namespace hk
