#include "cdc/trigger_guard.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/log.h"
#include "pg/quote.h"

namespace hk::cdc {
namespace {

// hikkoshi's own work, also on a frozen database (read-only default) and
// whatever timeouts the database carries.
constexpr const char* kBeginAlter =
    "BEGIN READ WRITE; SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0; "
    "SET LOCAL idle_in_transaction_session_timeout = 0";

std::string Qualified(const SavedTrigger& t) {
  return pg::QuoteIdent(t.schema) + "." + pg::QuoteIdent(t.table);
}

Status WriteRecord(const std::string& workdir, const std::string& database,
                   const std::vector<SavedTrigger>& v) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& t : v)
    list.push_back({{"schema", t.schema},
                    {"table", t.table},
                    {"trigger", t.name},
                    {"enabled", std::string(1, t.enabled)}});
  nlohmann::json j = {{"schema_version", 1}, {"database", database}, {"disabled", list}};
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);
  std::string path = TriggerRecordPath(workdir), tmp = path + ".tmp." + std::to_string(getpid());
  std::string text = j.dump(2) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return MakeError(ErrorKind::kInternal, "cannot write " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return MakeError(ErrorKind::kInternal, "cannot write " + path);
  }
  int dfd = ::open(workdir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace

std::string TriggerRecordPath(const std::string& workdir) { return workdir + "/triggers.json"; }

std::string EnableTriggerSql(const SavedTrigger& t) {
  const char* how = t.enabled == 'A'   ? "ENABLE ALWAYS"
                    : t.enabled == 'R' ? "ENABLE REPLICA"
                                       : "ENABLE";
  return "ALTER TABLE ONLY " + Qualified(t) + " " + how + " TRIGGER " + pg::QuoteIdent(t.name);
}

Result<std::vector<SavedTrigger>> ReadTriggerRecord(const std::string& workdir) {
  std::vector<SavedTrigger> out;
  std::string path = TriggerRecordPath(workdir);
  std::ifstream f(path);
  if (!f) return out;
  std::stringstream ss;
  ss << f.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  auto corrupt = [&] {
    return MakeError(ErrorKind::kInternal, "the trigger record " + path + " is corrupt",
                     "re-enable the user triggers of the applied-to database by hand (ALTER TABLE "
                     "... ENABLE TRIGGER), then remove the file");
  };
  if (j.is_discarded() || !j.is_object() || !j.contains("disabled") || !j["disabled"].is_array())
    return corrupt();
  try {
    for (const auto& e : j["disabled"]) {
      SavedTrigger t;
      t.schema = e.at("schema").get<std::string>();
      t.table = e.at("table").get<std::string>();
      t.name = e.at("trigger").get<std::string>();
      std::string en = e.at("enabled").get<std::string>();
      if (en != "O" && en != "A" && en != "R") return corrupt();
      t.enabled = en[0];
      out.push_back(std::move(t));
    }
  } catch (const nlohmann::json::exception&) {
    return corrupt();
  }
  return out;
}

Result<int> RestoreUserTriggers(pg::Connection& c, const std::string& workdir) {
  if (!std::filesystem::exists(TriggerRecordPath(workdir))) return 0;
  HK_ASSIGN_OR_RETURN(auto saved, ReadTriggerRecord(workdir));
  HK_RETURN_IF_ERROR(c.Run(kBeginAlter));
  int restored = 0;
  Status st = [&]() -> Status {
    for (const auto& t : saved) {
      HK_ASSIGN_OR_RETURN(auto r,
                          c.Exec("SELECT 1 FROM pg_trigger g JOIN pg_class k ON k.oid = g.tgrelid "
                                 "JOIN pg_namespace n ON n.oid = k.relnamespace "
                                 "WHERE n.nspname = $1 AND k.relname = $2 AND g.tgname = $3",
                                 {t.schema, t.table, t.name}));
      if (r.rows() == 0) {
        LogWarn("trigger {} on {} no longer exists; not re-enabled", t.name, Qualified(t));
        continue;
      }
      auto s = c.Run(EnableTriggerSql(t));
      if (!s.ok())
        return std::move(s.TakeError())
            .Context("re-enabling trigger " + t.name + " on " + Qualified(t));
      ++restored;
    }
    return c.Run("COMMIT");
  }();
  if (!st.ok()) {
    (void)c.Run("ROLLBACK");
    return st.TakeError();
  }
  std::error_code ec;
  std::filesystem::remove(TriggerRecordPath(workdir), ec);
  return restored;
}

Result<int> DisableUserTriggers(pg::Connection& c, const std::string& workdir) {
  HK_ASSIGN_OR_RETURN(int leftover, RestoreUserTriggers(c, workdir));
  if (leftover > 0)
    LogInfo("re-enabled {} user trigger(s) an earlier follow had disabled (from {})", leftover,
            TriggerRecordPath(workdir));
  HK_ASSIGN_OR_RETURN(
      auto r, c.Exec("SELECT n.nspname, k.relname, g.tgname, g.tgenabled::text "
                     "FROM pg_trigger g JOIN pg_class k ON k.oid = g.tgrelid "
                     "JOIN pg_namespace n ON n.oid = k.relnamespace "
                     "WHERE NOT g.tgisinternal AND g.tgenabled <> 'D' AND k.relkind IN ('r', 'p') "
                     "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'hikkoshi') "
                     "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
                     "ORDER BY 1, 2, 3"));
  std::vector<SavedTrigger> list;
  for (int i = 0; i < r.rows(); ++i)
    list.push_back(
        {r.Str(i, 0), r.Str(i, 1), r.Str(i, 2), r.Str(i, 3).empty() ? 'O' : r.Str(i, 3)[0]});
  if (list.empty()) return 0;
  HK_ASSIGN_OR_RETURN(std::string db, c.QueryValue("SELECT current_database()"));
  // Recorded before anything changes: every path that ends follow restores from it.
  HK_RETURN_IF_ERROR(WriteRecord(workdir, db, list));
  HK_RETURN_IF_ERROR(c.Run(kBeginAlter));
  Status st = [&]() -> Status {
    for (const auto& t : list) {
      auto s =
          c.Run("ALTER TABLE ONLY " + Qualified(t) + " DISABLE TRIGGER " + pg::QuoteIdent(t.name));
      if (!s.ok()) {
        Error e = s.TakeError();
        e.hint =
            "the applying role cannot set session_replication_role, so follow disables user "
            "triggers, which needs ownership of the table: make the role own it, or GRANT SET "
            "ON PARAMETER session_replication_role to it";
        return std::move(e).Context("disabling trigger " + t.name + " on " + Qualified(t));
      }
    }
    return c.Run("COMMIT");
  }();
  if (!st.ok()) {
    (void)c.Run("ROLLBACK");
    std::error_code ec;
    std::filesystem::remove(TriggerRecordPath(workdir), ec);
    return st.TakeError();
  }
  return static_cast<int>(list.size());
}

}  // namespace hk::cdc
