// The stages of `hikkoshi migrate`, in order, and what the runbook
// (`hikkoshi plan`) says about each.
#pragma once

#include <string>
#include <vector>

namespace hk::pipeline {

struct StageInfo {
  const char* name;
  const char* does;          ///< What it will do.
  const char* precondition;  ///< What must hold before it runs.
  const char* rollback;      ///< How to undo it.
};

/// check, backup, clone, verify, window, cutover.
const std::vector<StageInfo>& Stages();
/// Index in Stages(), -1 when `name` is not a stage.
int StageIndex(const std::string& name);
/// "check, backup, clone, verify, window, cutover".
std::string StageNames();

}  // namespace hk::pipeline
