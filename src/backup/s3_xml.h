// The few bits of S3's XML responses we read: a tag's text, repeated blocks,
// entity unescaping. S3 documents are flat and machine-written, so a small
// scanner is enough; anything unexpected simply yields "".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hk::backup {

/// Text of the first <tag>...</tag> in xml, unescaped; "" when absent.
std::string XmlText(std::string_view xml, std::string_view tag);
/// The inner text of every <tag>...</tag> block, in order (not unescaped).
std::vector<std::string> XmlBlocks(std::string_view xml, std::string_view tag);
std::string XmlUnescape(std::string_view s);
std::string XmlEscape(std::string_view s);

}  // namespace hk::backup
