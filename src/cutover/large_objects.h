// Large objects live in pg_largeobject(_metadata): neither table COPY nor
// logical decoding carries them, and the row counts do not see them. At the
// switch, after the drain, both sides' large objects are compared (OIDs and a
// digest of their pages); a difference refuses the cutover.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::cutover {

struct LargeObjectCheck {
  int64_t source = 0, target = 0;  ///< How many large objects each side has.
  bool contents_compared = false;  ///< false: pg_largeobject unreadable, OIDs only.
  std::vector<std::string> diffs;  ///< "OID 16400 (only on the source)", ...
};

Result<LargeObjectCheck> CompareLargeObjects(pg::Connection& source, pg::Connection& target);

}  // namespace hk::cutover
