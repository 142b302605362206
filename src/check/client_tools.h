// check's verdict on the local client programs: pg_dump must be at least the
// source's major version (an older pg_dump refuses a newer server), and
// pg_restore is taken from the same place.
#pragma once

#include <optional>
#include <string>

#include "check/facts.h"
#include "check/report.h"
#include "pg/client_tools.h"

namespace hk::check {

struct ClientToolFacts {
  std::optional<pg::PgTool> pg_dump, pg_restore;
  std::string dump_error, restore_error;  ///< Why one was not usable.
  std::string bin_dir;                    ///< --pg-bin-dir / HIKKOSHI_PG_BIN, or "".
};

/// Looks the tools up (pg::FindPgTool). Never fails: what is missing is a fact.
ClientToolFacts GatherClientTools();

/// Pure: one item "client.pg_dump".
void EvaluateClientTools(const ServerFacts& source, const ServerFacts& target,
                         const ClientToolFacts& tools, Report& r);

}  // namespace hk::check
