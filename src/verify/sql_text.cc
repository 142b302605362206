#include "verify/sql_text.h"

#include <fnmatch.h>

#include "pg/quote.h"

namespace hk::verify {

std::string RowTextExpr(const TableInfo& t) {
  std::string s = "ROW(";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i) s += ", ";
    s += "t." + pg::QuoteIdent(t.columns[i]);
  }
  return s + ")::text";
}

std::string KeyList(const TableInfo& t) {
  std::string s;
  for (size_t i = 0; i < t.key_cols.size(); ++i) {
    if (i) s += ", ";
    s += "t." + pg::QuoteIdent(t.key_cols[i]);
  }
  return s;
}

namespace {

std::string Bound(const TableInfo& t, const KeyValue& v,
                  std::vector<std::optional<std::string>>& params) {
  std::string s = "(";
  for (size_t i = 0; i < t.key_cols.size(); ++i) {
    params.push_back(v.at(i));
    if (i) s += ", ";
    s += "$" + std::to_string(params.size()) + "::" + t.key_types[i];
  }
  return s + ")";
}

}  // namespace

std::string RangePredicate(const TableInfo& t, const KeyRange& r,
                           std::vector<std::optional<std::string>>& params) {
  // Row comparison is lexicographic in key order, like ORDER BY k1, k2, and
  // uses the primary key index.
  std::string keys = "(" + KeyList(t) + ")";
  std::string s;
  if (r.lo) s = keys + " >= " + Bound(t, *r.lo, params);
  if (r.hi) s += (s.empty() ? "" : " AND ") + keys + " < " + Bound(t, *r.hi, params);
  return s.empty() ? "true" : s;
}

std::string ArrayLiteral(const std::vector<std::string>& elems) {
  std::string s = "{";
  for (size_t i = 0; i < elems.size(); ++i) {
    if (i) s += ",";
    s += '"';
    for (char c : elems[i]) {
      if (c == '"' || c == '\\') s += '\\';
      s += c;
    }
    s += '"';
  }
  return s + "}";
}

std::vector<std::optional<std::string>> ParseSimpleArray(const std::string& text) {
  std::vector<std::optional<std::string>> out;
  if (text.size() < 2) return out;
  std::string body = text.substr(1, text.size() - 2);
  if (body.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t comma = body.find(',', start);
    std::string e =
        body.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (e == "NULL")
      out.push_back(std::nullopt);
    else
      out.push_back(e);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string KeyText(const TableInfo& t, const KeyValue& k) {
  std::string s;
  for (size_t i = 0; i < t.key_cols.size() && i < k.size(); ++i) {
    if (i) s += ", ";
    s += t.key_cols[i] + "=" + k[i];
  }
  return s;
}

std::string Truncate(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "\u2026 (" + std::to_string(s.size()) + " bytes)";
}

namespace {

bool Matches(const std::string& pat, const std::string& qualified, const std::string& name) {
  if (pat.find('.') != std::string::npos) return fnmatch(pat.c_str(), qualified.c_str(), 0) == 0;
  return fnmatch(pat.c_str(), name.c_str(), 0) == 0;
}

}  // namespace

bool TableSelected(const std::string& qualified, const std::string& name,
                   const std::vector<std::string>& include,
                   const std::vector<std::string>& exclude) {
  if (!include.empty()) {
    bool any = false;
    for (const auto& p : include) any = any || Matches(p, qualified, name);
    if (!any) return false;
  }
  for (const auto& p : exclude) {
    if (Matches(p, qualified, name)) return false;
  }
  return true;
}

}  // namespace hk::verify
