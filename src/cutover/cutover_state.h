// Where a cutover or rollback stands: WORKDIR/cutover.json (format in
// docs/state.md), rewritten atomically before and after every step that
// changes something, so a rerun after kill -9 knows what may have happened.
// Facts that can be read back (is a database frozen? what does the env file
// say?) are re-read from the servers and files; this file adds what cannot.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace hk::cutover {

/// An application role's login rights before the freeze blocked them.
struct RoleLogin {
  std::string role;
  bool can_login = true;
  int conn_limit = -1;
};

struct CutoverState {
  /// idle | preparing | frozen | switching | cut-over | rolling-back | rolled-back
  std::string phase = "idle";
  std::string run;               ///< Journal run id of the last command.
  bool forward_stopped = false;  ///< cutover stopped the forward follower.
  bool app_on_target = false;    ///< The app may have been pointed at the target.
  /// Original login rights of the app roles whose logins a freeze blocked, per
  /// side; written before ALTER ROLE, cleared once restored (so a killed run's
  /// rollback restores them).
  std::vector<RoleLogin> source_logins, target_logins;
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
