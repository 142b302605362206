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

/// True when `pid` exists and is not a zombie (a just-spawned follower may
/// not have exec'd yet).
bool ProcessExists(int pid);

/// SIGTERM, wait up to wait_ms, then SIGKILL. Ok when it is gone.
Status StopFollower(int pid, int wait_ms);

/// The pid SpawnFollower recorded in workdir/follower.pid (0 when none).
int RecordedFollowerPid(const std::string& workdir);

/// Stops every follower known for `workdir`: the pid in its follow.json and
/// the one SpawnFollower recorded in workdir/follower.pid.
Status StopFollowersOf(const std::string& workdir, int wait_ms);

/// Starts `exe follow --dir workdir` in its own session, detached, output
/// appended to workdir/follow.log, pid in workdir/follower.pid. Returns its pid.
Result<int> SpawnFollower(const std::string& exe, const pg::ConnInfo& source,
                          const pg::ConnInfo& target, const std::string& workdir);

/// The running binary (/proc/self/exe).
std::string SelfExe();

}  // namespace hk::cutover
