#include "cutover/cutover_state.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "cutover/env_file.h"

namespace hk::cutover {
namespace {

nlohmann::json LoginsToJson(const std::vector<RoleLogin>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : v)
    a.push_back({{"role", r.role}, {"can_login", r.can_login}, {"conn_limit", r.conn_limit}});
  return a;
}

std::vector<RoleLogin> LoginsFromJson(const nlohmann::json& j) {
  std::vector<RoleLogin> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (!e.is_object()) continue;
    out.push_back({e.value("role", ""), e.value("can_login", true), e.value("conn_limit", -1)});
  }
  return out;
}

}  // namespace

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
  if (j.contains("blocked_logins") && j["blocked_logins"].is_object()) {
    const auto& b = j["blocked_logins"];
    if (b.contains("source")) s.source_logins = LoginsFromJson(b["source"]);
    if (b.contains("target")) s.target_logins = LoginsFromJson(b["target"]);
  }
  return s;
}

Status SaveCutoverState(const std::string& workdir, CutoverState s) {
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);
  s.updated_at = NowIso8601();
  nlohmann::json j = {
      {"schema_version", 1},
      {"phase", s.phase},
      {"run", s.run},
      {"forward_stopped", s.forward_stopped},
      {"app_on_target", s.app_on_target},
      {"updated_at", s.updated_at},
      {"blocked_logins",
       {{"source", LoginsToJson(s.source_logins)}, {"target", LoginsToJson(s.target_logins)}}}};
  return WriteFileAtomic(CutoverStatePath(workdir), j.dump(2) + "\n");
}

}  // namespace hk::cutover
