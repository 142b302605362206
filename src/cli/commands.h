#pragma once

#include "cli/app.h"

namespace hk::cli {

CommandSpec CheckCommand();
CommandSpec CloneCommand();

}  // namespace hk::cli
