// libFuzzer target: LSN text. A parsed LSN prints back to a form that parses
// to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cdc/lsn.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto l = hk::cdc::ParseLsn(text);
  if (l) {
    auto again = hk::cdc::ParseLsn(hk::cdc::FormatLsn(*l));
    if (!again || *again != *l) std::abort();
  }
  return 0;
}
