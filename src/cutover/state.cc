#include "cutover/state.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "cutover/env_file.h"

namespace hk::cutover {

std::string CutoverStatePath(const std::string& workdir) { return workdir + "/cutover.json"; }

Result<CutoverState> LoadCutoverState(const std::string& workdir) {
  CutoverState s;
  HK_ASSIGN_OR_RETURN(std::string text,
                      ReadWholeFile(CutoverStatePath(workdir), /*missing_ok=*/true));
  if (text.empty()) return s;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return MakeError(ErrorKind::kInternal, CutoverStatePath(workdir) + " is not valid JSON",
                     "restore it, or remove it after checking both databases by hand");
  s.phase = j.value("phase", "idle");
  s.run = j.value("run", "");
  s.forward_stopped = j.value("forward_stopped", false);
  s.app_on_target = j.value("app_on_target", false);
  s.updated_at = j.value("updated_at", "");
  return s;
}

Status SaveCutoverState(const std::string& workdir, CutoverState s) {
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);
  s.updated_at = NowIso8601();
  nlohmann::json j = {{"schema_version", 1},
                      {"phase", s.phase},
                      {"run", s.run},
                      {"forward_stopped", s.forward_stopped},
                      {"app_on_target", s.app_on_target},
                      {"updated_at", s.updated_at}};
  return WriteFileAtomic(CutoverStatePath(workdir), j.dump(2) + "\n");
}

}  // namespace hk::cutover
