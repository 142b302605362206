// Which tables publication hikkoshi_pub carries. FOR ALL TABLES needs a
// superuser (PostgreSQL 15); any other role publishes the tables it owns by
// name (FOR TABLE a, b, ...). A table created on the source after such a
// setup is not published: follow finds it and stops (the DDL case), naming
// the command that adds it.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::cdc {

/// The current user is a superuser (only then FOR ALL TABLES is possible).
Result<bool> IsSuperuser(pg::Connection& c);

/// Every permanent user table that is not a partition (partitions are
/// published through their root), as quoted schema.name, sorted.
Result<std::vector<std::string>> PublishableTables(pg::Connection& c);

/// Those of `tables` the current user does not own (and so cannot publish
/// by name unless a superuser).
Result<std::vector<std::string>> TablesNotOwned(pg::Connection& c,
                                                const std::vector<std::string>& tables);

/// PublishableTables() minus `published` (compared as regclass).
Result<std::vector<std::string>> TablesLeftOut(pg::Connection& c,
                                               const std::vector<std::string>& published);

/// Publishable tables that are neither in `publication` nor in `left_out`:
/// created after the setup, their changes are not captured.
Result<std::vector<std::string>> UnpublishedNewTables(pg::Connection& c,
                                                      const std::string& publication,
                                                      const std::vector<std::string>& left_out);

/// The error follow stops with for UnpublishedNewTables().
Error NewTablesError(const std::string& publication, const std::vector<std::string>& tables);

}  // namespace hk::cdc
