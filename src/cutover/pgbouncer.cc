#include "cutover/pgbouncer.h"

#include <poll.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <vector>

#include "cutover/env_file.h"
#include "pg/connection.h"
#include "pg/error.h"

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

// "[name]" -> "name" (lower case); nullopt when the line is no section header.
std::optional<std::string> SectionOf(std::string_view line) {
  std::string_view t = Trim(line);
  if (t.size() < 2 || t.front() != '[' || t.back() != ']') return std::nullopt;
  std::string name(Trim(t.substr(1, t.size() - 2)));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// Lines before any section header count as [databases]: a file %include'd
// inside that section may have none.
bool InDatabases(const std::optional<std::string>& section) {
  return !section || *section == "databases";
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
  std::optional<std::string> section;
  for (auto line : Lines(text)) {
    if (auto sec = SectionOf(line)) {
      section = sec;
      continue;
    }
    if (!InDatabases(section)) continue;
    if (auto v = ValueOf(line, key)) return std::string(*v);
  }
  return std::nullopt;
}

std::string WithIniEntry(std::string_view text, std::string_view key, std::string_view value) {
  const std::string entry = std::string(key) + " = " + std::string(value) + "\n";
  std::optional<std::string> section;
  std::vector<std::string_view> lines = Lines(text);
  // Where to add the entry when absent: the end of the [databases] section
  // (after its last non-blank line), or the end of a file without sections.
  size_t insert_at = std::string_view::npos;
  bool done = false;
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto line = lines[i];
    if (auto sec = SectionOf(line))
      section = sec;
    else if (!done && InDatabases(section) && ValueOf(line, key)) {
      out += entry;
      done = true;
      continue;
    }
    out += line;
    if (InDatabases(section) && !Trim(line).empty()) insert_at = out.size();
  }
  if (done) return out;
  if (insert_at == std::string_view::npos) {  // no [databases] section: add one
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + "[databases]\n" + entry;
  }
  std::string head = out.substr(0, insert_at);
  if (!head.empty() && head.back() != '\n') head += '\n';
  return head + entry + out.substr(insert_at);
}

Status PgbouncerPause(const CutoverConfig& cfg, int64_t timeout_ms) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, Console(cfg));
  // Sent without blocking: PgBouncer answers PAUSE only once every server
  // connection is released, and never answers a PAUSE that a RESUME
  // cancelled, so the wait must be ours and bounded.
  PGconn* raw = c.raw();
  if (!PQsendQuery(raw, ("PAUSE " + cfg.pgb_database).c_str()))
    return pg::ErrorFromResult(nullptr, raw);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (!PQconsumeInput(raw)) return pg::ErrorFromResult(nullptr, raw);
    if (!PQisBusy(raw)) {
      Status st = Status::Ok();
      while (PGresult* r = PQgetResult(raw)) {
        ExecStatusType t = PQresultStatus(r);
        if (st.ok() && t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK)
          st = pg::ErrorFromResult(r, raw);
        PQclear(r);
      }
      return st;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) break;
    pollfd p{PQsocket(raw), POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200)));
  }
  // In-flight transactions did not finish: give up the pause. The pausing
  // console connection is closed unanswered (its destructor) instead of
  // waited on.
  (void)PgbouncerResume(cfg);
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
