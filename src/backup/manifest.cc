#include "backup/manifest.h"

namespace hk::backup {

uint64_t Manifest::TotalSize() const {
  uint64_t n = 0;
  for (const auto& f : files) n += f.size;
  return n;
}

nlohmann::json Manifest::ToJson() const {
  nlohmann::json files_j = nlohmann::json::array();
  for (const auto& f : files) files_j.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  nlohmann::json fj = FactsToJson(facts);
  return {
      {"format", "hikkoshi-backup"},
      {"format_version", kManifestFormatVersion},
      {"name", name},
      {"created_at", created_at},
      {"completed_at", completed_at},
      {"source",
       {{"url", source.url},
        {"database", source.database},
        {"server_version", source.server_version},
        {"server_version_num", source.server_version_num},
        {"system_identifier", source.system_identifier},
        {"lsn", source.lsn},
        {"database_size_bytes", source.database_size_bytes},
        {"snapshot", source.snapshot},
        {"snapshot_time", source.snapshot_time}}},
      {"dump", {{"format", dump_format}, {"path", dump_path}, {"jobs", jobs}}},
      {"tools", {{"pg_dump", pg_dump_version}, {"hikkoshi", hikkoshi_version}}},
      {"tables", fj["tables"]},
      {"sequences", fj["sequences"]},
      {"objects", fj["objects"]},
      {"files", files_j},
      {"total_size_bytes", TotalSize()},
  };
}

Result<Manifest> Manifest::Parse(const std::string& text) {
  Manifest m;
  try {
    auto j = nlohmann::json::parse(text);
    if (j.at("format").get<std::string>() != "hikkoshi-backup") {
      return MakeError(ErrorKind::kBadInput, "not a hikkoshi backup manifest");
    }
    int v = j.at("format_version").get<int>();
    if (v > kManifestFormatVersion) {
      return MakeError(ErrorKind::kBadInput,
                       "manifest format version " + std::to_string(v) + " is newer than this hikkoshi",
                       "upgrade hikkoshi");
    }
    m.name = j.at("name").get<std::string>();
    m.created_at = j.at("created_at").get<std::string>();
    m.completed_at = j.at("completed_at").get<std::string>();
    const auto& s = j.at("source");
    m.source.url = s.at("url").get<std::string>();
    m.source.database = s.at("database").get<std::string>();
    m.source.server_version = s.at("server_version").get<std::string>();
    m.source.server_version_num = s.at("server_version_num").get<int>();
    m.source.system_identifier = s.value("system_identifier", "");
    m.source.lsn = s.at("lsn").get<std::string>();
    m.source.database_size_bytes = s.at("database_size_bytes").get<int64_t>();
    m.source.snapshot = s.value("snapshot", "");
    m.source.snapshot_time = s.value("snapshot_time", "");
    m.dump_format = j.at("dump").at("format").get<std::string>();
    m.dump_path = j.at("dump").at("path").get<std::string>();
    m.jobs = j.at("dump").value("jobs", 1);
    m.pg_dump_version = j.at("tools").value("pg_dump", "");
    m.hikkoshi_version = j.at("tools").value("hikkoshi", "");
    for (const auto& f : j.at("files")) {
      ManifestFile mf{f.at("path").get<std::string>(), f.at("size").get<uint64_t>(),
                      f.at("sha256").get<std::string>()};
      if (mf.path.empty() || mf.path[0] == '/' || mf.path.find("..") != std::string::npos) {
        return MakeError(ErrorKind::kBadInput, "manifest lists an unsafe file path '" + mf.path + "'");
      }
      m.files.push_back(std::move(mf));
    }
    HK_ASSIGN_OR_RETURN(m.facts, FactsFromJson(j));
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorKind::kBadInput, std::string("malformed manifest: ") + e.what());
  }
  return m;
}

}  // namespace hk::backup
