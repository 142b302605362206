#include "cdc/lsn.h"

#include <chrono>
#include <cstdio>

namespace hk::cdc {

std::string FormatLsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

std::optional<Lsn> ParseLsn(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= text.size()) return std::nullopt;
  auto hex = [](std::string_view s) -> std::optional<uint64_t> {
    if (s.size() > 8) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return std::nullopt;
      v = v * 16 + static_cast<uint64_t>(d);
    }
    return v;
  };
  auto hi = hex(text.substr(0, slash));
  auto lo = hex(text.substr(slash + 1));
  if (!hi || !lo) return std::nullopt;
  return (*hi << 32) | *lo;
}

int64_t PgEpochMicrosNow() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(now).count() -
         946684800LL * 1000000LL;
}

}  // namespace hk::cdc
