// SQL quoting that needs no connection (the servers we talk to run with
// standard_conforming_strings = on, the default since 9.1).
#pragma once

#include <string>
#include <string_view>

namespace hk::pg {

/// "ident" with embedded quotes doubled. Always quotes, so case and odd
/// characters survive.
std::string QuoteIdent(std::string_view ident);

/// schema.name, both quoted.
std::string QualifiedName(std::string_view schema, std::string_view name);

/// 'literal' with embedded quotes doubled; E'' form when a backslash is present
/// is not needed with standard_conforming_strings.
std::string QuoteLiteral(std::string_view s);

}  // namespace hk::pg
