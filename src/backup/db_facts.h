// What a backup promises about its database: exact row counts per table,
// sequence values and object counts, read inside one transaction (for a
// backup: the very snapshot pg_dump dumps). The same collector runs on a
// restored database so the two can be compared.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::backup {

struct TableCount {
  std::string schema, name;
  int64_t rows = 0;
};

struct SequenceValue {
  std::string schema, name;
  std::string last_value;  ///< PostgreSQL's own text form.
  bool is_called = false;
};

struct DbFacts {
  std::vector<TableCount> tables;        ///< Ordinary tables and populated matviews.
  std::vector<SequenceValue> sequences;
  std::map<std::string, int64_t> objects;  ///< "tables" -> 7, "indexes" -> 12, ...
};

/// Collects the facts over `c`, which should be inside a REPEATABLE READ
/// transaction. count(*) is exact and reads every table once.
Result<DbFacts> CollectDbFacts(pg::Connection& c);

nlohmann::json FactsToJson(const DbFacts& f);
Result<DbFacts> FactsFromJson(const nlohmann::json& j);

/// Human sentences for every difference between the expected (manifest) and
/// the actual (restored) facts; empty when they agree. A sequence that is
/// ahead in `actual` is not a difference (sequences are not transactional and
/// pg_dump reads them after us); it is reported in `notes`.
std::vector<std::string> CompareFacts(const DbFacts& expected, const DbFacts& actual,
                                      std::vector<std::string>* notes);

}  // namespace hk::backup
