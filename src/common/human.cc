#include "common/human.h"

#include <fmt/format.h>

namespace hk {

std::string HumanBytes(int64_t b) {
  if (b < 0) return "unknown";
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace hk
