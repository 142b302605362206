// Stall watchdog for ordinary (non-replication) connections (#14): a
// half-open connection or a dead network path under a blocking libpq call
// is noticed within seconds instead of after the kernel's TCP timeouts.
//
// Every blocking wait of pg::Connection (a statement, one COPY chunk) runs
// under a StallGuard. A process-wide thread looks at the waits older than
// the stall timeout and asks the server, on a new connection, what the
// session is doing: still working on our statement (state active, not
// blocked on the client) is a slow statement and is left alone; anything
// else (idle, gone, waiting to send to us or to hear from us, or the
// server unreachable) is a stall, and the socket is shut down. The waiting
// call then fails as a lost connection, which the commands' --retry-for
// machinery retries from their recorded progress.
#pragma once

#include <cstdint>

namespace hk::pg {

class Connection;

/// Process-wide stall timeout in milliseconds; 0 (the default) disables.
void SetStallTimeout(int64_t ms);
int64_t StallTimeoutMs();

/// Marks one blocking call on `c` as a wait the watchdog may end.
class StallGuard {
 public:
  explicit StallGuard(const Connection& c);
  ~StallGuard();
  StallGuard(const StallGuard&) = delete;
  StallGuard& operator=(const StallGuard&) = delete;

 private:
  uint64_t id_ = 0;  ///< 0: not registered (watchdog off or no socket).
};

}  // namespace hk::pg
