// The tables (and materialized views) whose contents verify compares.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"
#include "verify/sql_text.h"

namespace hk::verify {

/// Ordinary tables (leaf partitions included, partitioned parents left out
/// since their rows live in the leaves) and materialized views, largest first.
Result<std::vector<TableInfo>> ListTables(pg::Connection& c);

/// (qualified, name) of every user relation a filter can select: tables,
/// partitioned tables, foreign tables, views and materialized views.
Result<std::vector<std::pair<std::string, std::string>>> ListRelationNames(pg::Connection& c);

}  // namespace hk::verify
