// Numbers for people: sizes and durations in reports, status lines and logs.
#pragma once

#include <cstdint>
#include <string>

namespace hk {

/// "512 B", "1.5 kB", "3.2 GB" (powers of 1024); "unknown" for a negative value.
std::string HumanBytes(int64_t bytes);

}  // namespace hk
