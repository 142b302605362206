#include "cutover/pgbouncer.h"

#include <chrono>
#include <filesystem>
#include <future>
#include <vector>

#include "cutover/env_file.h"
#include "pg/connection.h"

namespace hk::cutover {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    nl = nl == std::string_view::npos ? text.size() : nl + 1;
    out.push_back(text.substr(pos, nl - pos));
    pos = nl;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::optional<std::string_view> ValueOf(std::string_view line, std::string_view key) {
  std::string_view t = Trim(line);
  if (t.substr(0, key.size()) != key) return std::nullopt;
  std::string_view rest = Trim(t.substr(key.size()));
  if (rest.empty() || rest.front() != '=') return std::nullopt;
  return Trim(rest.substr(1));
}

Result<pg::Connection> Console(const CutoverConfig& cfg) {
  HK_ASSIGN_OR_RETURN(pg::ConnInfo ci, pg::ConnInfo::Parse(cfg.pgb_admin_url));
  pg::ConnectOptions co;
  co.application_name = "hikkoshi cutover";
  co.connect_timeout_s = 5;
  auto c = pg::Connection::Open(ci, co);
  if (!c.ok()) return std::move(c.TakeError()).Context("PgBouncer admin console");
  return c;
}

}  // namespace

std::optional<std::string> IniEntry(std::string_view text, std::string_view key) {
  for (auto line : Lines(text))
    if (auto v = ValueOf(line, key)) return std::string(*v);
  return std::nullopt;
}

std::string WithIniEntry(std::string_view text, std::string_view key, std::string_view value) {
  std::string out;
  bool done = false;
  for (auto line : Lines(text)) {
    if (!done && ValueOf(line, key)) {
      out += std::string(key) + " = " + std::string(value) + "\n";
      done = true;
    } else {
      out += line;
    }
  }
  if (!done) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += std::string(key) + " = " + std::string(value) + "\n";
  }
  return out;
}

Status PgbouncerPause(const CutoverConfig& cfg, int64_t timeout_ms) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, Console(cfg));
  auto fut = std::async(std::launch::async, [&] { return c.Run("PAUSE " + cfg.pgb_database); });
  if (fut.wait_for(std::chrono::milliseconds(timeout_ms)) == std::future_status::ready)
    return fut.get();
  // In-flight transactions did not finish: give up the pause.
  (void)PgbouncerResume(cfg);
  (void)fut.get();
  return MakeError(ErrorKind::kRetryable,
                   "PgBouncer could not pause " + cfg.pgb_database + " within " +
                       std::to_string(timeout_ms) + " ms",
                   "a client holds a transaction open; end it or raise --max-freeze");
}

Status PgbouncerResume(const CutoverConfig& cfg) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, Console(cfg));
  auto st = c.Run("RESUME " + cfg.pgb_database);
  if (!st.ok() && st.error().message.find("not paused") != std::string::npos) return Status::Ok();
  return st;
}

Result<std::string> PgbouncerCurrentEntry(const CutoverConfig& cfg) {
  HK_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(cfg.pgb_ini_path));
  auto v = IniEntry(text, cfg.pgb_database);
  if (!v)
    return MakeError(ErrorKind::kBadInput,
                     cfg.pgb_ini_path + " has no entry for database " + cfg.pgb_database,
                     "point cutover.pgbouncer.ini_path at the file with the [databases] entry");
  return *v;
}

Status PgbouncerPoint(const CutoverConfig& cfg, const std::string& entry,
                      const std::string& backup_path) {
  HK_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(cfg.pgb_ini_path));
  if (!backup_path.empty() && !std::filesystem::exists(backup_path))
    HK_RETURN_IF_ERROR(WriteFileAtomic(backup_path, text));
  if (IniEntry(text, cfg.pgb_database) != entry)
    HK_RETURN_IF_ERROR(
        WriteFileAtomic(cfg.pgb_ini_path, WithIniEntry(text, cfg.pgb_database, entry)));
  HK_ASSIGN_OR_RETURN(pg::Connection c, Console(cfg));
  return c.Run("RELOAD");
}

Status PgbouncerCheck(const CutoverConfig& cfg) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, Console(cfg));
  HK_ASSIGN_OR_RETURN(auto r, c.Exec("SHOW DATABASES"));
  bool found = false;
  for (int i = 0; i < r.rows(); ++i) found = found || r.Get(i, 0) == cfg.pgb_database;
  if (!found)
    return MakeError(ErrorKind::kBadInput, "PgBouncer has no database " + cfg.pgb_database,
                     "set cutover.pgbouncer.database to the name the app connects to");
  HK_ASSIGN_OR_RETURN(std::string cur, PgbouncerCurrentEntry(cfg));
  (void)cur;
  return Status::Ok();
}

}  // namespace hk::cutover
