#pragma once

#include "cli/app.h"

namespace hk::cli {

CommandSpec CheckCommand();
CommandSpec BackupCommand();
CommandSpec RestoreCommand();
CommandSpec CloneCommand();
CommandSpec VerifyCommand();

}  // namespace hk::cli
