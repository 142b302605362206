// Connections the clone's workers use, with the session settings that make
// text COPY output of one server readable by the other unchanged.
#pragma once

#include <string>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::clone {

/// Opens a source connection: row_security off (an RLS-filtered copy must
/// fail rather than silently lose rows), no timeouts, ISO dates, and
/// search_path = pg_catalog so that definitions come out schema-qualified.
Result<pg::Connection> OpenSource(const pg::ConnInfo& ci, const std::string& encoding,
                                  const std::string& app = "hikkoshi clone");
/// Opens a target connection with the same client encoding as the source.
Result<pg::Connection> OpenTarget(const pg::ConnInfo& ci, const std::string& encoding,
                                  const std::string& app = "hikkoshi clone");

/// Ends the target sessions an earlier, killed clone left behind (their
/// application_name starts with "hikkoshi clone"): after a kill -9 the server
/// goes on running the last statement (a CREATE INDEX, a pg_restore) and may
/// commit it while the resumed run does the same work. Returns how many.
Result<int> EndOrphanedSessions(pg::Connection& target);

/// BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY + SET TRANSACTION SNAPSHOT.
/// The caller ends the transaction (COMMIT or ROLLBACK).
/// The timeouts this server would impose on a session of this user in this
/// database (ALTER DATABASE/ROLE ... SET, postgresql.conf) that hikkoshi's
/// sessions override, as "statement_timeout=100ms, ..."; empty when none.
Result<std::string> OverriddenTimeouts(pg::Connection& c);

Status BeginAtSnapshot(pg::Connection& src, const std::string& snapshot);

}  // namespace hk::clone
