#include "clone/clone_state.h"

#include <fmt/format.h>

namespace hk::clone {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS steps (
  name TEXT PRIMARY KEY, status TEXT NOT NULL, started_at TEXT, finished_at TEXT, seconds REAL);
CREATE TABLE IF NOT EXISTS tables (
  oid INTEGER PRIMARY KEY, nspname TEXT NOT NULL, relname TEXT NOT NULL, bytes INTEGER NOT NULL,
  parts INTEGER NOT NULL, indexes_done INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS parts (
  table_oid INTEGER NOT NULL, part INTEGER NOT NULL, first_page INTEGER NOT NULL, end_page INTEGER,
  status TEXT NOT NULL, rows INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT, PRIMARY KEY (table_oid, part));
CREATE TABLE IF NOT EXISTS indexes (
  oid INTEGER PRIMARY KEY, table_oid INTEGER NOT NULL, name TEXT NOT NULL, finished_at TEXT);
)sql";

/// A prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  Stmt& Bind(int i, std::optional<int64_t> v) {
    if (v) sqlite3_bind_int64(s_, i, *v);
    else sqlite3_bind_null(s_, i);
    return *this;
  }
  bool Step() { return (rc_ = sqlite3_step(s_)) == SQLITE_ROW; }
  bool Done() const { return rc_ == SQLITE_DONE || rc_ == SQLITE_ROW; }
  int64_t Int(int c) const { return sqlite3_column_int64(s_, c); }
  double Double(int c) const { return sqlite3_column_double(s_, c); }
  bool Null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  std::string Text(int c) const {
    const unsigned char* t = sqlite3_column_text(s_, c);
    return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_OK;
};

Error SqliteError(sqlite3* db, const std::string& what) {
  return MakeError(ErrorKind::kInternal,
                   fmt::format("the state file could not be updated ({}: {})", what,
                               sqlite3_errmsg(db)),
                   "check that the work directory is writable and not on a full disk");
}

}  // namespace

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    Error e = SqliteError(db, "open " + path);
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<StateStore> s(new StateStore(db));
  Status st = s->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  if (st.ok()) st = s->Exec(kSchema);
  if (st.ok()) {
    // Added for status/report timelines; older state files gain the columns
    // here (the error when they exist already is expected).
    for (const char* add : {"ALTER TABLE parts ADD COLUMN started_at TEXT",
                            "ALTER TABLE indexes ADD COLUMN started_at TEXT"})
      sqlite3_exec(db, add, nullptr, nullptr, nullptr);
  }
  if (!st.ok()) {
    int rc = sqlite3_errcode(db);
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
      return MakeError(
          ErrorKind::kInternal,
          fmt::format("the clone state file {} is corrupt ({})", path, sqlite3_errmsg(db)),
          "move it away and start the clone over without --resume (add "
          "--drop-if-exists if the target already has tables)");
    return st.TakeError();
  }
  return s;
}

StateStore::~StateStore() { sqlite3_close(db_); }

Status StateStore::ExecLocked(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown";
    sqlite3_free(err);
    return MakeError(ErrorKind::kInternal, "the state file could not be updated (" + m + ")",
                     "check that the work directory is writable");
  }
  return Status::Ok();
}

Status StateStore::Exec(const std::string& sql) {
  std::lock_guard<std::mutex> l(mu_);
  return ExecLocked(sql);
}

Status StateStore::Reset() {
  return Exec("BEGIN; DELETE FROM meta; DELETE FROM steps; DELETE FROM tables; DELETE FROM parts;"
              " DELETE FROM indexes; COMMIT;");
}

Status StateStore::ClearPlan() {
  return Exec("BEGIN; DELETE FROM tables; DELETE FROM parts; DELETE FROM indexes; COMMIT;");
}

std::optional<std::string> StateStore::GetMeta(const std::string& key) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_, "SELECT value FROM meta WHERE key = ?");
  s.Bind(1, key);
  if (s.Step()) return s.Text(0);
  return std::nullopt;
}

Status StateStore::SetMeta(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_, "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.Bind(1, key).Bind(2, value);
  s.Step();
  if (!s.Done()) return SqliteError(db_, "meta");
  return Status::Ok();
}

bool StateStore::StepDone(const std::string& step) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_, "SELECT 1 FROM steps WHERE name = ? AND status = 'done'");
  s.Bind(1, step);
  return s.Step();
}

Status StateStore::StepStarted(const std::string& step) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_,
         "INSERT INTO steps(name, status, started_at) VALUES (?, 'running', strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
         " ON CONFLICT(name) DO UPDATE SET status = 'running', started_at = excluded.started_at");
  s.Bind(1, step);
  s.Step();
  if (!s.Done()) return SqliteError(db_, "steps");
  return Status::Ok();
}

Status StateStore::StepFinished(const std::string& step, double seconds) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_,
         "INSERT INTO steps(name, status, finished_at, seconds) VALUES (?, 'done', strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?)"
         " ON CONFLICT(name) DO UPDATE SET status = 'done', finished_at = excluded.finished_at,"
         " seconds = coalesce(steps.seconds, 0) + excluded.seconds");
  s.Bind(1, step).Bind(2, seconds);
  s.Step();
  if (!s.Done()) return SqliteError(db_, "steps");
  return Status::Ok();
}

std::map<std::string, double> StateStore::StepSeconds() {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, double> out;
  Stmt s(db_, "SELECT name, coalesce(seconds, 0) FROM steps WHERE status = 'done'");
  while (s.Step()) out[s.Text(0)] = s.Double(1);
  return out;
}

Status StateStore::AddTable(const TableRow& t, const std::vector<PartRow>& parts) {
  std::lock_guard<std::mutex> l(mu_);
  HK_RETURN_IF_ERROR(ExecLocked("BEGIN"));
  {
    Stmt s(db_, "INSERT INTO tables(oid, nspname, relname, bytes, parts) VALUES (?, ?, ?, ?, ?)");
    s.Bind(1, t.oid).Bind(2, t.nspname).Bind(3, t.relname).Bind(4, t.bytes).Bind(5, static_cast<int64_t>(t.parts));
    s.Step();
    if (!s.Done()) {
      Error e = SqliteError(db_, "tables");
      (void)ExecLocked("ROLLBACK");
      return e;
    }
  }
  for (const auto& p : parts) {
    Stmt s(db_, "INSERT INTO parts(table_oid, part, first_page, end_page, status) VALUES (?, ?, ?, ?, 'pending')");
    s.Bind(1, p.table_oid).Bind(2, static_cast<int64_t>(p.part)).Bind(3, p.first_page).Bind(4, p.end_page);
    s.Step();
    if (!s.Done()) {
      Error e = SqliteError(db_, "parts");
      (void)ExecLocked("ROLLBACK");
      return e;
    }
  }
  return ExecLocked("COMMIT");
}

std::vector<TableRow> StateStore::Tables() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<TableRow> out;
  Stmt s(db_, "SELECT oid, nspname, relname, bytes, parts, indexes_done FROM tables ORDER BY bytes DESC, oid");
  while (s.Step()) {
    TableRow t;
    t.oid = s.Int(0);
    t.nspname = s.Text(1);
    t.relname = s.Text(2);
    t.bytes = s.Int(3);
    t.parts = static_cast<int>(s.Int(4));
    t.indexes_done = s.Int(5) != 0;
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<PartRow> StateStore::Parts() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<PartRow> out;
  Stmt s(db_, "SELECT table_oid, part, first_page, end_page, status, rows, bytes FROM parts ORDER BY table_oid, part");
  while (s.Step()) {
    PartRow p;
    p.table_oid = s.Int(0);
    p.part = static_cast<int>(s.Int(1));
    p.first_page = s.Int(2);
    if (!s.Null(3)) p.end_page = s.Int(3);
    p.status = s.Text(4);
    p.rows = s.Int(5);
    p.bytes = s.Int(6);
    out.push_back(std::move(p));
  }
  return out;
}

Status StateStore::SetPartStatus(int64_t table_oid, int part, const std::string& status,
                                 int64_t rows, int64_t bytes) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_,
         "UPDATE parts SET status = ?1, rows = ?2, bytes = ?3, updated_at = "
         "strftime('%Y-%m-%dT%H:%M:%fZ','now'),"
         " started_at = CASE WHEN ?1 = 'copying' THEN strftime('%Y-%m-%dT%H:%M:%fZ','now') ELSE "
         "started_at END"
         " WHERE table_oid = ?4 AND part = ?5");
  s.Bind(1, status).Bind(2, rows).Bind(3, bytes).Bind(4, table_oid).Bind(5, static_cast<int64_t>(part));
  s.Step();
  if (!s.Done()) return SqliteError(db_, "parts");
  return Status::Ok();
}

Status StateStore::ResetTable(int64_t table_oid) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_, "UPDATE parts SET status = 'pending', rows = 0, bytes = 0 WHERE table_oid = ?");
  s.Bind(1, table_oid);
  s.Step();
  if (!s.Done()) return SqliteError(db_, "parts");
  return Status::Ok();
}

Status StateStore::SetIndexesDone(int64_t table_oid) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_, "UPDATE tables SET indexes_done = 1 WHERE oid = ?");
  s.Bind(1, table_oid);
  s.Step();
  if (!s.Done()) return SqliteError(db_, "tables");
  return Status::Ok();
}

bool StateStore::IndexDone(int64_t index_oid) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_, "SELECT 1 FROM indexes WHERE oid = ?");
  s.Bind(1, index_oid);
  return s.Step();
}

Status StateStore::SetIndexDone(int64_t index_oid, int64_t table_oid, const std::string& name,
                                int64_t started_unix_ms) {
  std::lock_guard<std::mutex> l(mu_);
  Stmt s(db_,
         "INSERT OR REPLACE INTO indexes(oid, table_oid, name, finished_at, started_at)"
         " VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'),"
         " CASE WHEN ?4 > 0 THEN strftime('%Y-%m-%dT%H:%M:%fZ', ?4 / 1000.0, 'unixepoch') END)");
  s.Bind(1, index_oid).Bind(2, table_oid).Bind(3, name).Bind(4, started_unix_ms);
  s.Step();
  if (!s.Done()) return SqliteError(db_, "indexes");
  return Status::Ok();
}

}  // namespace hk::clone
