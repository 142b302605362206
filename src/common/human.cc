#include "common/human.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <limits>

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

std::string HumanDuration(double s) {
  if (s < 0) return "--";
  if (s < 60) return fmt::format("{:.1f} s", s);
  int64_t total = static_cast<int64_t>(s + 0.5);
  if (total < 3600) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  return fmt::format("{}h{:02d}m", total / 3600, (total % 3600) / 60);
}

namespace {

// The largest whole unit that divides ms exactly: "7d", "24h", "90s".
std::string ShortMs(int64_t ms) {
  struct U {
    int64_t ms;
    const char* name;
  };
  for (U u : {U{kDayMs, "d"}, U{3600000, "h"}, U{60000, "m"}, U{1000, "s"}})
    if (ms >= u.ms && ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
  return std::to_string(ms) + "ms";
}

int64_t UnitMs(std::string_view unit, bool bare_seconds) {
  if (unit.empty()) return bare_seconds ? 1000 : 0;
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m" || unit == "min") return 60000;
  if (unit == "h") return 3600000;
  if (unit == "d") return kDayMs;
  if (unit == "w") return 7 * kDayMs;
  return 0;
}

}  // namespace

Result<int64_t> ParseDuration(std::string_view t, std::string_view what,
                              const DurationRules& rules) {
  const std::string shown = std::string(what) + (what.empty() ? "" : " ") + std::string(t);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  auto malformed = [&] {
    return MakeError(ErrorKind::kBadInput, shown + " is not a duration",
                     std::string("write it like 500ms, 30s, 5m, 6h or 2d") +
                         (rules.bare_seconds ? " (a bare number is seconds)" : "") +
                         ", at most " + ShortMs(rules.max_ms));
  };
  auto too_long = [&] {
    return MakeError(ErrorKind::kBadInput,
                     shown + " is longer than " + ShortMs(rules.max_ms) + ", the most it accepts",
                     "give a duration of at most " + ShortMs(rules.max_ms));
  };
  size_t i = 0;
  bool digits = false, overflow = false;
  int64_t whole = 0;
  for (; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) {
    digits = true;
    if (whole > (std::numeric_limits<int64_t>::max() - 9) / 10)
      overflow = true;  // keep scanning: the text may still be malformed
    else
      whole = whole * 10 + (t[i] - '0');
  }
  double frac = 0, scale = 0.1;
  if (i < t.size() && t[i] == '.') {
    for (++i; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) {
      digits = true;
      frac += (t[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (!digits) return malformed();
  int64_t mul = UnitMs(t.substr(i), rules.bare_seconds);
  if (mul == 0) return malformed();
  // whole * mul cannot overflow once whole <= max_ms / mul.
  if (overflow || whole > rules.max_ms / mul) return too_long();
  int64_t ms = whole * mul + std::llround(frac * static_cast<double>(mul));
  if (ms > rules.max_ms) return too_long();
  return ms;
}

}  // namespace hk
