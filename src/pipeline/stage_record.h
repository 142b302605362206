// Each stage's recorded result: WORKDIR/migrate.json (format in
// docs/state.md), rewritten atomically after every stage, so a rerun of
// `hikkoshi migrate` after a failure or kill -9 skips what is done and still
// valid. A rehearsal keeps its own file (rehearsal.json) for `report`.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace hk::pipeline {

struct StageRecord {
  std::string state;  ///< running | done | skipped | failed
  std::string started_at, finished_at;
  int64_t duration_ms = 0;
  nlohmann::json detail = nlohmann::json::object();
};

struct MigrateRecord {
  std::map<std::string, StageRecord> stages;
  /// The window the user notice went out for (ISO time), so a rerun does
  /// not send it twice; empty when none was sent.
  std::string notice_sent_for;
  bool Done(const std::string& stage) const;
  /// Forgets every stage after `stage` (their results depended on it).
  void InvalidateAfter(const std::string& stage);
  nlohmann::json ToJson() const;
  static MigrateRecord FromJson(const nlohmann::json& j);
};

inline constexpr const char* kMigrateRecord = "migrate.json";
inline constexpr const char* kRehearsalRecord = "rehearsal.json";

/// A missing file is an empty record.
Result<MigrateRecord> LoadMigrateRecord(const std::string& workdir,
                                        const std::string& name = kMigrateRecord);
Status SaveMigrateRecord(const std::string& workdir, const MigrateRecord& r,
                         const std::string& name = kMigrateRecord);

}  // namespace hk::pipeline
