#include "pipeline/window.h"

#include <cstdio>
#include <ctime>

namespace hk::pipeline {

std::optional<int64_t> ParseWindowMs(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5)
    return std::nullopt;
  size_t pos = static_cast<size_t>(n);
  if (pos < text.size() && text[pos] == ':') {
    int m = 0;
    if (std::sscanf(text.c_str() + pos, ":%2d%n", &s, &m) != 1) return std::nullopt;
    pos += static_cast<size_t>(m);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return std::nullopt;
  int offset_min = 0;
  std::string zone = text.substr(pos);
  if (zone == "Z") {
    offset_min = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int zh = 0, zm = 0, m = 0;
    if (std::sscanf(zone.c_str() + 1, "%2d:%2d%n", &zh, &zm, &m) != 2 || m != 5 || zh > 14 ||
        zm > 59)
      return std::nullopt;
    offset_min = (zone[0] == '+' ? 1 : -1) * (zh * 60 + zm);
  } else {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  time_t t = timegm(&tm);
  return (static_cast<int64_t>(t) - offset_min * 60LL) * 1000;
}

}  // namespace hk::pipeline
