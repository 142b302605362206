#include "pg/catalog/binary_types.h"

#include <set>

namespace hk::pg::catalog {
namespace {

// Built-in types whose binary send/receive carry no OID and nothing else that
// depends on the database: the same bytes mean the same value anywhere.
// (Not money: its integer is scaled by lc_monetary's fractional digits.)
const std::set<std::string>& PositionIndependent() {
  static const std::set<std::string> kTypes = {
      "bool",          "bytea",        "char",           "name",
      "int2",          "int4",         "int8",           "oid",
      "text",          "varchar",      "bpchar",         "float4",
      "float8",        "numeric",      "date",           "time",
      "timetz",        "timestamp",    "timestamptz",    "interval",
      "uuid",          "json",         "jsonb",          "jsonpath",
      "inet",          "cidr",         "macaddr",        "macaddr8",
      "bit",           "varbit",       "point",          "lseg",
      "path",          "box",          "polygon",        "line",
      "circle",        "pg_lsn",       "tsvector",       "tsquery",
      "int4range",     "int8range",    "numrange",       "tsrange",
      "tstzrange",     "daterange",    "int4multirange", "int8multirange",
      "nummultirange", "tsmultirange", "tstzmultirange", "datemultirange"};
  return kTypes;
}

}  // namespace

bool IsRegType(const std::string& n) {
  static const std::set<std::string> kReg = {
      "regclass", "regrole",      "regproc",   "regprocedure",  "regoper",     "regoperator",
      "regtype",  "regnamespace", "regconfig", "regdictionary", "regcollation"};
  return kReg.count(n) > 0;
}

bool BinarySafe(const std::vector<TypeStep>& steps) {
  if (steps.empty()) return false;
  // Allowed shapes of `via` after the column's own type: d* then at most one
  // 'a' that ends the chain (an array's element must be listed itself; the
  // binary array header names the element type's OID).
  bool seen_array = false;
  for (size_t i = 1; i < steps.size(); ++i) {
    if (seen_array) return false;  // something below the element: a domain
    if (steps[i].via == 'a')
      seen_array = true;
    else if (steps[i].via != 'd')
      return false;
  }
  const TypeStep& last = steps.back();
  if (seen_array && !last.builtin) return false;
  return last.builtin && PositionIndependent().count(last.name) > 0;
}

bool TextRequired(const std::vector<TypeStep>& steps) {
  for (const auto& s : steps)
    if (s.builtin && IsRegType(s.name)) return true;
  return false;
}

}  // namespace hk::pg::catalog
