#include "pg/catalog/filter.h"

#include <string>

namespace hk::pg::catalog {

std::string NotSystemSchema(std::string_view nspname) {
  std::string e(nspname);
  return "(" + e + " NOT IN ('pg_catalog', 'information_schema') AND " + e +
         " NOT LIKE 'pg\\_toast%' AND " + e + " NOT LIKE 'pg\\_temp%')";
}

std::string UserSchema(std::string_view nspname) {
  return "(" + NotSystemSchema(nspname) + " AND " + std::string(nspname) + " <> '" + kOwnSchema +
         "')";
}

std::string NotExtensionMember(std::string_view catalog, std::string_view oid) {
  return "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext_dep WHERE ext_dep.classid = '" +
         std::string(catalog) + "'::pg_catalog.regclass AND ext_dep.objid = " + std::string(oid) +
         " AND ext_dep.deptype = 'e')";
}

std::string UserRelation(std::string_view c, std::string_view n) {
  std::string cs(c), ns(n);
  return "(" + UserSchema(ns + ".nspname") + " AND " + NotExtensionMember("pg_class", cs + ".oid") +
         ")";
}

std::string TopLevelTable(std::string_view c, std::string_view n) {
  std::string cs(c);
  return "(" + cs + ".relkind IN ('r', 'p') AND NOT " + cs + ".relispartition AND " +
         UserRelation(c, n) + ")";
}

std::string PublishableTable(std::string_view c, std::string_view n) {
  std::string cs(c);
  return "(" + TopLevelTable(c, n) + " AND " + cs + ".relpersistence = 'p')";
}

}  // namespace hk::pg::catalog
