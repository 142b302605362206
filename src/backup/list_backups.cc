#include "backup/list_backups.h"

#include <fmt/format.h>

#include <ctime>
#include <map>

#include "backup/manifest.h"
#include "backup/store.h"
#include "common/human.h"

namespace hk::backup {
namespace {

// Seconds since an ISO 8601 UTC time like 2026-11-26T10:40:00.123Z; -1 if unreadable.
long long AgeSeconds(const std::string& iso) {
  std::tm tm{};
  if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return -1;
  return static_cast<long long>(std::time(nullptr) - timegm(&tm));
}

std::string HumanAge(long long s) {
  if (s < 0) return "?";
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}


}  // namespace

Result<std::vector<BackupEntry>> ListBackups(const Location& from, const S3Options& s3) {
  HK_ASSIGN_OR_RETURN(auto store, OpenStore(from, s3));
  HK_ASSIGN_OR_RETURN(auto objects, store->ListAll());
  std::map<std::string, BackupEntry> by_name;
  for (const auto& o : objects) {
    auto slash = o.key.find('/');
    if (slash == std::string::npos) continue;  // not inside a backup directory
    std::string name = o.key.substr(0, slash);
    auto& e = by_name[name];
    e.name = name;
    std::string rest = o.key.substr(slash + 1);
    if (rest == kManifestFile || rest == kVerifyFile || rest == std::string(kManifestFile) + ".tmp") continue;
    e.size += o.size;
    e.files += 1;
  }
  std::vector<BackupEntry> out;
  for (auto& [name, e] : by_name) {
    e.verification = "never";
    HK_ASSIGN_OR_RETURN(auto mtext, store->GetSmall(name + "/" + kManifestFile));
    if (mtext) {
      auto m = Manifest::Parse(*mtext);
      if (m.ok()) {
        e.complete = true;
        e.created_at = m->created_at;
        e.database = m->source.database;
        e.size = m->TotalSize();
        e.files = m->files.size();
      }
    }
    if (e.complete) {
      HK_ASSIGN_OR_RETURN(auto vtext, store->GetSmall(name + "/" + kVerifyFile));
      if (vtext) {
        auto j = nlohmann::json::parse(*vtext, nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
          e.verification = j.value("ok", false) ? "ok" : "FAILED";
          e.verified_at = j.value("verified_at", "");
          e.restore_checked = j.value("restore_checked", false);
        }
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string FormatBackupList(const std::vector<BackupEntry>& entries, const std::string& where) {
  if (entries.empty()) return "no backups in " + where + "\n";
  std::string s = fmt::format("{:<40} {:<10} {:<24} {:>6} {:>10} {:>5}  {}\n", "NAME", "STATUS",
                              "CREATED", "AGE", "SIZE", "FILES", "VERIFIED");
  for (const auto& e : entries) {
    std::string verified = e.verification;
    if (e.verification != "never") {
      verified += " " + HumanAge(AgeSeconds(e.verified_at)) + " ago";
      if (e.restore_checked) verified += " (restored)";
    }
    s += fmt::format("{:<40} {:<10} {:<24} {:>6} {:>10} {:>5}  {}\n", e.name,
                     e.complete ? "complete" : "INCOMPLETE", e.complete ? e.created_at : "-",
                     e.complete ? HumanAge(AgeSeconds(e.created_at)) : "-", HumanBytes(static_cast<int64_t>(e.size)), e.files,
                     e.complete ? verified : "-");
  }
  return s;
}

nlohmann::json BackupListJson(const std::vector<BackupEntry>& entries, const std::string& where) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : entries) {
    arr.push_back({{"name", e.name},
                   {"complete", e.complete},
                   {"created_at", e.created_at},
                   {"age_seconds", e.complete ? AgeSeconds(e.created_at) : -1},
                   {"database", e.database},
                   {"size_bytes", e.size},
                   {"files", e.files},
                   {"verification", e.verification},
                   {"verified_at", e.verified_at},
                   {"restore_checked", e.restore_checked}});
  }
  return {{"schema_version", 1}, {"location", where}, {"backups", arr}};
}

}  // namespace hk::backup
