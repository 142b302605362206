// `hikkoshi cutover`: preconditions, freeze the source, drain, verify,
// sequences, reverse replication, switch the application, health checks —
// every step journaled; on a failure after the freeze, an automatic rollback.
#pragma once

#include <cstdint>
#include <optional>

#include "cutover/context.h"

namespace hk::cutover {

struct CutoverFlags {
  bool dry_run = false;
  bool yes = false;
  bool auto_rollback = true;
  bool skip_backup_check = false;
  std::optional<int64_t> max_freeze_ms;
};

/// Runs the command; prints preconditions, plan or timeline on stdout and
/// returns the process exit code.
int RunCutover(SwitchContext ctx, const CutoverFlags& flags);

}  // namespace hk::cutover
