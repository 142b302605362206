// Everything `cutover` checks before it touches anything. --dry-run stops
// after printing these and the plan.
#pragma once

#include <string>
#include <vector>

#include "cutover/context.h"

namespace hk::cutover {

struct Precondition {
  std::string name;
  bool ok = false;
  std::string detail;  ///< What was found; on failure also how to fix it.
};

struct PreconditionReport {
  std::vector<Precondition> checks;
  double follow_lag_s = -1;
  int64_t follow_lag_bytes = -1;
  bool ok() const;
  std::string ToText() const;
};

PreconditionReport CheckPreconditions(const SwitchContext& ctx, bool skip_backup_check);

/// The steps cutover would take, with an estimate of the write freeze.
std::string PlanText(const SwitchContext& ctx, const PreconditionReport& pre);

}  // namespace hk::cutover
