#include "watch/duration.h"

#include <cctype>
#include <string>

namespace hk::watch {

std::optional<int64_t> ParseDuration(std::string_view t) {
  size_t i = 0;
  int64_t n = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) {
    n = n * 10 + (t[i] - '0');
    if (n > 1000000000) return std::nullopt;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = t.substr(i);
  int64_t mul = 0;
  if (unit == "ms")
    mul = 1;
  else if (unit == "s")
    mul = 1000;
  else if (unit == "m")
    mul = 60000;
  else if (unit == "h")
    mul = 3600000;
  else if (unit == "d")
    mul = 86400000;
  else if (unit == "w")
    mul = 7 * 86400000LL;
  else
    return std::nullopt;
  int64_t ms = n * mul;
  if (ms > 10LL * 366 * 86400000) return std::nullopt;
  return ms;
}

}  // namespace hk::watch
