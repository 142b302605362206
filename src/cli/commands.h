#pragma once

#include "cli/app.h"

namespace hk::cli {

CommandSpec CheckCommand();
CommandSpec FollowCommand();
CommandSpec StatusCommand();
CommandSpec CleanupCommand();

}  // namespace hk::cli
