#include "cli/commands.h"

namespace hk::cli {

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> kCommands = {
      CheckCommand(),
      BackupCommand(),
      RestoreCommand(),
      CloneCommand(),
      VerifyCommand(),
      FollowCommand(),
      StatusCommand(),
      CleanupCommand(),
      CutoverCommand(),
      RollbackCommand(),
      ReportCommand(),
      ServeCommand(),
      WatchCommand(),
      ConfigCommand(),
      PlanCommand(),
      MigrateCommand(),
  };
  return kCommands;
}

}  // namespace hk::cli
