// Server settings given at connection start (libpq's "options", -c k=v):
// they apply before the first statement, unlike SET, and override what the
// database or role sets (ALTER DATABASE/ROLE ... SET).
#pragma once

#include <string>

#include "pg/conninfo.h"

namespace hk::pg {

/// A copy of `ci` whose startup options end with `add`, after whatever the
/// connection string or PGOPTIONS gave; unchanged when they hold it already.
ConnInfo WithStartupOptions(const ConnInfo& ci, const std::string& add);

}  // namespace hk::pg
