// libFuzzer target: the S3 XML response helpers. Any input is handled;
// escaping then unescaping gives the original text back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "backup/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)hk::backup::XmlText(text, "UploadId");
  for (const auto& b : hk::backup::XmlBlocks(text, "Contents")) (void)hk::backup::XmlText(b, "Key");
  (void)hk::backup::XmlUnescape(text);
  if (hk::backup::XmlUnescape(hk::backup::XmlEscape(text)) != text) std::abort();
  return 0;
}
