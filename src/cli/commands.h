#pragma once

#include "cli/app.h"

namespace hk::cli {

CommandSpec CheckCommand();
CommandSpec BackupCommand();
CommandSpec RestoreCommand();
CommandSpec CloneCommand();
CommandSpec VerifyCommand();
CommandSpec FollowCommand();
CommandSpec StatusCommand();
CommandSpec CleanupCommand();
CommandSpec CutoverCommand();
CommandSpec RollbackCommand();
CommandSpec ReportCommand();
CommandSpec ServeCommand();
CommandSpec WatchCommand();
CommandSpec ConfigCommand();
CommandSpec MigrateCommand();
CommandSpec PlanCommand();

}  // namespace hk::cli
