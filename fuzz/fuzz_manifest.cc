// libFuzzer target: a backup's manifest.json. Any input parses or is an
// error value; a parsed manifest written back parses again to the same JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "backup/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto m = hk::backup::Manifest::Parse(text);
  if (m.ok()) {
    std::string out = m->ToJson().dump();
    auto again = hk::backup::Manifest::Parse(out);
    if (!again.ok() || again->ToJson().dump() != out) std::abort();
  }
  return 0;
}
