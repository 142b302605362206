#include "pg/quote.h"

namespace hk::pg {

std::string QuoteIdent(std::string_view ident) {
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QualifiedName(std::string_view schema, std::string_view name) {
  return QuoteIdent(schema) + "." + QuoteIdent(name);
}

std::string QuoteLiteral(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace hk::pg
