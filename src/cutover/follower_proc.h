// Starting and stopping `hikkoshi follow` processes around the switch: the
// forward follower is stopped once drained (it must not pick up what the
// reverse follower writes to the source), a reverse follower (target back to
// source) is started detached before the application moves, and rollback
// restarts the forward one. Connection strings travel in the child's
// environment (HIKKOSHI_SOURCE / HIKKOSHI_TARGET), never on its command line.
#pragma once

#include <string>

#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::cutover {

/// True when `pid` is a live (not zombie) process whose command line
/// mentions "follow" — a stale pid from follow.json is not mistaken for one.
bool FollowerAlive(int pid);

/// SIGTERM, wait up to wait_ms, then SIGKILL. Ok when it is gone.
Status StopFollower(int pid, int wait_ms);

/// Starts `exe follow --dir workdir` in its own session, detached, output
/// appended to workdir/follow.log. Returns its pid.
Result<int> SpawnFollower(const std::string& exe, const pg::ConnInfo& source, const pg::ConnInfo& target,
                          const std::string& workdir);

/// The running binary (/proc/self/exe).
std::string SelfExe();

}  // namespace hk::cutover
