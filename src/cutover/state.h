// Where a cutover or rollback stands: WORKDIR/cutover.json (format in
// docs/state.md), rewritten atomically before and after every step that
// changes something, so a rerun after kill -9 knows what may have happened.
// Facts that can be read back (is a database frozen? what does the env file
// say?) are re-read from the servers and files; this file adds what cannot.
#pragma once

#include <string>

#include "common/status.h"

namespace hk::cutover {

struct CutoverState {
  /// idle | preparing | frozen | switching | cut-over | rolling-back | rolled-back
  std::string phase = "idle";
  std::string run;               ///< Journal run id of the last command.
  bool forward_stopped = false;  ///< cutover stopped the forward follower.
  bool app_on_target = false;    ///< The app may have been pointed at the target.
  std::string updated_at;

  bool InProgress() const {
    return phase == "preparing" || phase == "frozen" || phase == "switching";
  }
};

std::string CutoverStatePath(const std::string& workdir);
/// A missing file is a fresh "idle" state.
Result<CutoverState> LoadCutoverState(const std::string& workdir);
Status SaveCutoverState(const std::string& workdir, CutoverState s);

}  // namespace hk::cutover
