// `hikkoshi rollback`: bring the application back to the source without
// losing what it wrote on the target. Convergent: every step first reads
// where things stand (is a database frozen? what does the env file say? is
// the reverse follower set up?) so a rerun after kill -9 at any point
// finishes the job. The source is unfrozen only after the target is frozen
// (or was never written by the application).
#pragma once

#include <string>

#include "common/status.h"
#include "cutover/context.h"
#include "cutover/cutover_state.h"
#include "cutover/journal.h"

namespace hk::cutover {

/// The rollback steps, recorded in `j` (which may be a cutover's journal when
/// the rollback is automatic). Leaves st.phase = "rolled-back" unless a step
/// before the unfreeze failed.
Status RollbackSteps(const SwitchContext& ctx, Journal& j, CutoverState& st);

/// Where a freeze of one side keeps the app roles' original logins: in `st`
/// (saved to cutover.json) and in the journal, before any ALTER ROLE.
LoginBlock LoginsOf(const SwitchContext& ctx, Journal& j, CutoverState& st, bool source,
                    bool same_cluster);

/// Runs the hooks meant for a cutover (or a rollback) in order, each as a
/// journal step; stops at the first that fails or times out.
Status RunSwitchHooks(const SwitchContext& ctx, Journal& j, bool cutover);

/// What `hikkoshi rollback` did: `status` is the failed step's error.
struct RollbackOutcome {
  Status status = Status::Ok();
  std::string run;       ///< Journal run; empty when there was nothing to roll back.
  bool nothing = false;  ///< No cutover recorded.
};

/// The command: runs RollbackSteps, prints the timeline through `print`.
RollbackOutcome RunRollback(const SwitchContext& ctx, const Print& print);

}  // namespace hk::cutover
