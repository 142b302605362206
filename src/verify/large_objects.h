// Large objects (pg_largeobject) compared by OID and md5 of their contents.
#pragma once

#include "common/status.h"
#include "verify/report.h"
#include "verify/session.h"

namespace hk::verify {

/// Returns the number of large objects on the source. Reads inside one
/// snapshot per side. Each object is read whole by the server (lo_get).
Result<int64_t> CompareLargeObjects(SessionPair& sp, VerifyReport& report);

}  // namespace hk::verify
