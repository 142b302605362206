// The switch window of `hikkoshi migrate`: "2026-12-05T02:00+08:00".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hk::pipeline {

/// YYYY-MM-DDTHH:MM[:SS] followed by Z or ±HH:MM, as Unix milliseconds;
/// nullopt when malformed or without a zone (a window must not depend on
/// the machine's local time zone).
std::optional<int64_t> ParseWindowMs(const std::string& text);

}  // namespace hk::pipeline
