#include "pipeline/stages.h"

namespace hk::pipeline {

const std::vector<StageInfo>& Stages() {
  static const std::vector<StageInfo> k = {
      {"check", "preflight: versions, extensions, sizes, privileges, replication settings (read-only)",
       "both servers reachable", "nothing to undo (read-only)"},
      {"backup",
       "checksummed pg_dump of the source to every [backup] to destination, then prove it: "
       "checksums, and a restore into [backup] restore_into when set",
       "check passed; space at the destinations", "nothing to undo (the source is only read)"},
      {"clone",
       "publication + replication slot on the source, copy at the slot's snapshot, follow until "
       "caught up, then a detached `hikkoshi follow` keeps the target current",
       "check passed; an empty target", "`hikkoshi cleanup` (slot, publication); drop the target's copy"},
      {"verify",
       "every table, row, index, constraint compared while follow runs (sequences informational)",
       "clone done, follow running", "nothing to undo (read-only)"},
      {"window",
       "wait for the window (--window or [migrate] window) with follow running, lag reported",
       "verify passed", "nothing to undo"},
      {"cutover",
       "freeze the source, drain, sequences, reverse replication, switch the application, health "
       "checks (automatic rollback on failure)",
       "follow caught up; confirmation (--yes, or typed at the prompt)",
       "`hikkoshi rollback`: back to the source with every write made on the target"},
  };
  return k;
}

int StageIndex(const std::string& name) {
  const auto& s = Stages();
  for (size_t i = 0; i < s.size(); ++i)
    if (name == s[i].name) return static_cast<int>(i);
  return -1;
}

std::string StageNames() {
  std::string out;
  for (const auto& s : Stages()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

}  // namespace hk::pipeline
