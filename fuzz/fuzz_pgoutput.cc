// libFuzzer target: the pgoutput decoder must reject malformed messages with
// an error value, never crash, read out of bounds or loop.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cdc/pgoutput.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view buf(reinterpret_cast<const char*>(data), size);
  auto m = hk::cdc::DecodePgoutput(buf);
  (void)m;
  return 0;
}
