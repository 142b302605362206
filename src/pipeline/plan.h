// `hikkoshi plan`: the runbook of `hikkoshi migrate` for a config — every
// stage, what it will do, its preconditions, its estimated duration (from
// the source's size and the rates measured by an earlier run or rehearsal,
// else stated assumptions) and the rollback path. Read-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::pipeline {

struct PlanInput {
  pg::ConnInfo source, target;
  std::string workdir;
  std::vector<std::string> backup_to;
  std::optional<int64_t> window_ms;
  int64_t max_freeze_ms = 0;  ///< [cutover] max_freeze
};

/// The runbook as text; an error only when the source cannot be read.
Result<std::string> PlanText(const PlanInput& in);

}  // namespace hk::pipeline
