// libFuzzer target: the TOML cutover configuration and durations. Malformed
// input is an error value with a message, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cutover/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = hk::cutover::ParseCutoverConfig(text, "fuzz.toml");
  (void)c;
  auto d = hk::ParseDuration(text.substr(0, 64), "fuzz");
  if (d.ok() && (*d < 0 || *d > hk::cutover::kMaxDurationMs)) __builtin_trap();  // never negative
  return 0;
}
