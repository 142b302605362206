// Durations of watch: "6h", "30d", "90m", "45s", "500ms", "2w"; "0s" is valid.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hk::watch {

/// Milliseconds, or nullopt when malformed, negative or over 10 years.
std::optional<int64_t> ParseDuration(std::string_view text);

}  // namespace hk::watch
