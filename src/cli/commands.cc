#include "cli/commands.h"

namespace hk::cli {

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> kCommands = {
      CheckCommand(),
      FollowCommand(),
      StatusCommand(),
      CleanupCommand(),
      CutoverCommand(),
      RollbackCommand(),
  };
  return kCommands;
}

}  // namespace hk::cli
