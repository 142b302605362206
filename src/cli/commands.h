#pragma once

#include "cli/app.h"

namespace hk::cli {

CommandSpec CheckCommand();
CommandSpec VerifyCommand();

}  // namespace hk::cli
