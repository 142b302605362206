// `hikkoshi cutover`: preconditions, freeze the source, drain, verify,
// sequences, reverse replication, switch the application, health checks —
// every step journaled; on a failure after the freeze, an automatic rollback.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cutover/context.h"

namespace hk::cutover {

struct CutoverFlags {
  bool dry_run = false;
  bool yes = false;
  bool auto_rollback = true;
  bool skip_backup_check = false;
  std::optional<int64_t> max_freeze_ms;
};

/// What a cutover did. `status` says why the application is not on the
/// target: kBlocked when nothing was changed or a failure after the freeze
/// was rolled back (the message says which), another kind when the
/// cutover or its rollback failed halfway. The exit code is the edge's
/// business (pg::ExitCodeFor).
struct CutoverOutcome {
  Status status = Status::Ok();
  std::string run;        ///< Journal run; empty when no step was journaled.
  bool cut_over = false;  ///< The application runs on the target now.
  bool already = false;   ///< It already did before this call.
  bool dry_run = false;
  bool rolled_back = false;  ///< Failed after the freeze and rolled back automatically.
  int64_t window_ms = -1;    ///< Writes unavailable, when a freeze happened.
  int tables = -1;           ///< Tables whose counts were compared.
  int64_t rows = -1;
  int sequences = -1;  ///< Sequences set on the target.
};

/// Runs the cutover: preconditions, the question (unless flags.yes), every
/// step journaled, an automatic rollback on a failure after the freeze.
CutoverOutcome RunCutover(SwitchContext ctx, const CutoverFlags& flags, const Print& print);

}  // namespace hk::cutover
