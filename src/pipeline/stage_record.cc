#include "pipeline/stage_record.h"

#include "pipeline/stages.h"
#include "status/record.h"

namespace hk::pipeline {

bool MigrateRecord::Done(const std::string& stage) const {
  auto it = stages.find(stage);
  return it != stages.end() && (it->second.state == "done" || it->second.state == "skipped");
}

void MigrateRecord::InvalidateAfter(const std::string& stage) {
  int from = StageIndex(stage);
  for (const auto& s : Stages())
    if (StageIndex(s.name) > from) stages.erase(s.name);
}

nlohmann::json MigrateRecord::ToJson() const {
  nlohmann::json st = nlohmann::json::object();
  for (const auto& [name, r] : stages)
    st[name] = {{"state", r.state},         {"started_at", r.started_at},
                {"finished_at", r.finished_at}, {"duration_ms", r.duration_ms},
                {"detail", r.detail}};
  nlohmann::json j = {{"schema_version", 1}, {"stages", st}};
  if (!notice_sent_for.empty()) j["window_notice_sent_for"] = notice_sent_for;
  return j;
}

MigrateRecord MigrateRecord::FromJson(const nlohmann::json& j) {
  MigrateRecord r;
  if (j.contains("window_notice_sent_for") && j["window_notice_sent_for"].is_string())
    r.notice_sent_for = j["window_notice_sent_for"];
  if (!j.contains("stages") || !j["stages"].is_object()) return r;
  for (const auto& [name, s] : j["stages"].items()) {
    if (!s.is_object()) continue;
    StageRecord sr;
    sr.state = s.value("state", "");
    sr.started_at = s.value("started_at", "");
    sr.finished_at = s.value("finished_at", "");
    sr.duration_ms = s.value("duration_ms", int64_t{0});
    if (s.contains("detail") && s["detail"].is_object()) sr.detail = s["detail"];
    r.stages[name] = sr;
  }
  return r;
}

Result<MigrateRecord> LoadMigrateRecord(const std::string& workdir, const std::string& name) {
  HK_ASSIGN_OR_RETURN(auto j, status::ReadRecord(workdir, name));
  if (!j) return MigrateRecord{};
  return MigrateRecord::FromJson(*j);
}

Status SaveMigrateRecord(const std::string& workdir, const MigrateRecord& r,
                         const std::string& name) {
  return status::WriteRecord(workdir, name, r.ToJson());
}

}  // namespace hk::pipeline
