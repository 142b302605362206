#pragma once

#include "cli/app.h"

namespace hk::cli {

CommandSpec CheckCommand();

}  // namespace hk::cli
