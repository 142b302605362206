// A lock held on a source table (an ALTER TABLE, a LOCK TABLE, a VACUUM
// FULL in progress) blocks pg_dump and the COPY workers. Instead of hanging
// silently, clone says which table, which session holds it and what it runs,
// and gives up after --lock-timeout (#14).
#pragma once

#include <atomic>

#include "clone/clone.h"
#include "common/status.h"

namespace hk::clone {

/// Waits until no other session holds (or waits for) a lock on a user table
/// of the source database that would block a read (ACCESS EXCLUSIVE), with
/// a log line when the wait begins and every 10 s. Fails with SQLSTATE 55P03
/// (exit 7) after o.lock_timeout_ms (0: waits as long as it takes).
Status WaitForSourceLocks(const CloneOptions& o, const std::atomic<bool>* stop);

}  // namespace hk::clone
