#include "cutover/freeze.h"

#include <chrono>
#include <thread>

#include "common/log.h"
#include "pg/quote.h"
#include "pg/startup_options.h"

namespace hk::cutover {

pg::ConnInfo Writable(const pg::ConnInfo& ci) {
  return pg::WithStartupOptions(ci, "-c default_transaction_read_only=off");
}

Result<pg::Connection> OpenAdmin(const pg::ConnInfo& ci) {
  pg::ConnectOptions co;
  co.application_name = "hikkoshi cutover";
  co.connect_timeout_s = 10;
  return pg::Connection::Open(Writable(ci), co);
}

std::string TextArrayLiteral(const std::vector<std::string>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ",";
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

namespace {

// The application's sessions on this database (never hikkoshi's own).
constexpr const char* kAppSessions =
    "FROM pg_stat_activity a LEFT JOIN pg_roles r ON r.oid = a.usesysid "
    "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
    "AND a.backend_type = 'client backend' "
    "AND coalesce(a.application_name, '') NOT LIKE 'hikkoshi%' "
    "AND (a.usename = ANY($1::text[]) OR a.application_name = ANY($2::text[])) "
    "AND ($3::bool OR NOT coalesce(r.rolsuper, false)) ";

Result<int> Terminate(pg::Connection& admin, const AppSessions& app,
                      const std::string& started_before) {
  std::string sql =
      std::string("SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid, 5000)) ") +
      kAppSessions;
  std::vector<pg::Param> params = {TextArrayLiteral(app.roles), TextArrayLiteral(app.names),
                                   app.superusers ? "true" : "false"};
  if (!started_before.empty()) {
    sql += "AND a.backend_start < $4::timestamptz";
    params.push_back(started_before);
  }
  HK_ASSIGN_OR_RETURN(auto r, admin.Exec(sql, params));
  return static_cast<int>(r.Int(0, 0));
}

Status AlterReadOnly(pg::Connection& admin, bool on) {
  HK_ASSIGN_OR_RETURN(std::string db, admin.QueryValue("SELECT current_database()"));
  return admin.Run(
      "ALTER DATABASE " + pg::QuoteIdent(db) +
      (on ? " SET default_transaction_read_only = on" : " RESET default_transaction_read_only"));
}

}  // namespace

Result<bool> IsFrozen(pg::Connection& admin) {
  HK_ASSIGN_OR_RETURN(
      auto r,
      admin.Exec(
          "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
          "WHERE d.datname = current_database() AND s.setrole = 0 "
          "AND 'default_transaction_read_only=on' = ANY(s.setconfig)"));
  return r.Int(0, 0) > 0;
}

bool SameCluster(pg::Connection& a, pg::Connection& b) {
  const char* q = "SELECT system_identifier::text FROM pg_control_system()";
  auto x = a.QueryValue(q);
  auto y = b.QueryValue(q);
  if (x.ok() && y.ok()) return *x == *y;
  // pg_control_system() may be denied: the server's own address and port.
  const char* addr =
      "SELECT coalesce(host(inet_server_addr()), 'socket') || ':' || "
      "coalesce(inet_server_port()::text, '') || ':' || "
      "coalesce(current_setting('cluster_name', true), '')";
  auto p = a.QueryValue(addr);
  auto r = b.QueryValue(addr);
  return p.ok() && r.ok() && *p == *r && p->rfind("socket", 0) != 0;
}

namespace {

// Records the app roles' current login rights (those not recorded yet: a
// rerun keeps the originals), persists them, then blocks their logins.
Status BlockLogins(pg::Connection& admin, const AppSessions& app, const LoginBlock& logins) {
  if (logins.skip || !logins.saved || app.roles.empty()) return Status::Ok();
  HK_ASSIGN_OR_RETURN(auto r,
                      admin.Exec("SELECT rolname, rolcanlogin, rolconnlimit FROM pg_roles "
                                 "WHERE rolname = ANY($1::text[]) AND rolname <> current_user "
                                 "AND rolname <> session_user ORDER BY rolname",
                                 {TextArrayLiteral(app.roles)}));
  bool added = false;
  for (int i = 0; i < r.rows(); ++i) {
    std::string role = r.Str(i, 0);
    bool known = false;
    for (const auto& s : *logins.saved) known = known || s.role == role;
    if (known) continue;
    logins.saved->push_back({role, r.Bool(i, 1), static_cast<int>(r.Int(i, 2))});
    added = true;
  }
  if (added && logins.persist) HK_RETURN_IF_ERROR(logins.persist());
  for (const auto& s : *logins.saved)
    HK_RETURN_IF_ERROR(admin.Run("ALTER ROLE " + pg::QuoteIdent(s.role) + " NOLOGIN"));
  return Status::Ok();
}

}  // namespace

Status RestoreLogins(pg::Connection& admin, const LoginBlock& logins) {
  if (!logins.saved || logins.saved->empty()) return Status::Ok();
  for (const auto& s : *logins.saved) {
    HK_ASSIGN_OR_RETURN(auto exists,
                        admin.Exec("SELECT 1 FROM pg_roles WHERE rolname = $1", {s.role}));
    if (exists.rows() == 0) continue;
    HK_RETURN_IF_ERROR(admin.Run("ALTER ROLE " + pg::QuoteIdent(s.role) +
                                 (s.can_login ? " LOGIN" : " NOLOGIN") + " CONNECTION LIMIT " +
                                 std::to_string(s.conn_limit)));
  }
  logins.saved->clear();
  if (logins.persist) return logins.persist();
  return Status::Ok();
}

Result<FreezeResult> FreezeDatabase(pg::Connection& admin, const AppSessions& app,
                                    const LoginBlock& logins) {
  // New sessions of the app's roles are refused before anything else: the
  // read-only default alone can be overridden by a role setting, PGOPTIONS or
  // SET SESSION CHARACTERISTICS.
  auto blocked = BlockLogins(admin, app, logins);
  if (!blocked.ok()) {
    auto undo = RestoreLogins(admin, logins);
    if (!undo.ok()) LogError("could not restore the app roles' logins: {}", undo.error().message);
    return blocked.TakeError();
  }
  HK_RETURN_IF_ERROR(AlterReadOnly(admin, true));
  FreezeResult out;
  HK_ASSIGN_OR_RETURN(out.frozen_at, admin.QueryValue("SELECT clock_timestamp()::text"));
  HK_ASSIGN_OR_RETURN(out.terminated, Terminate(admin, app, ""));
  // Confirm: no client session opened before the freeze may remain (those
  // opened after it start read-only). Terminated ones may take a moment to go.
  std::string left;
  for (int i = 0; i < 50; ++i) {
    HK_ASSIGN_OR_RETURN(
        auto r,
        admin.Exec(
            "SELECT pid, coalesce(usename, ''), coalesce(application_name, '') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' AND coalesce(application_name, '') NOT LIKE "
            "'hikkoshi%' "
            "AND backend_start < $1::timestamptz ORDER BY pid",
            {out.frozen_at}));
    left.clear();
    for (int k = 0; k < r.rows(); ++k)
      left += (left.empty() ? "" : ", ") + std::string("pid ") + r.Str(k, 0) + " (role " +
              r.Str(k, 1) + ", application_name '" + r.Str(k, 2) + "')";
    if (left.empty()) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto undo = UnfreezeDatabase(admin, app, logins);
  if (!undo.ok()) LogError("could not lift the freeze again: {}", undo.error().message);
  return MakeError(
      ErrorKind::kBadInput,
      "sessions that could still write remain on the frozen database: " + left,
      "add their role to cutover.app_roles (or application_name to cutover.app_names; "
      "terminate_superusers = true for superusers), or close them; the freeze was lifted again");
}

Status UnfreezeDatabase(pg::Connection& admin, const AppSessions& app, const LoginBlock& logins) {
  HK_RETURN_IF_ERROR(AlterReadOnly(admin, false));
  HK_RETURN_IF_ERROR(RestoreLogins(admin, logins));
  HK_ASSIGN_OR_RETURN(std::string now, admin.QueryValue("SELECT clock_timestamp()::text"));
  // Sessions opened during the freeze keep read-only as their default.
  auto t = Terminate(admin, app, now);
  if (!t.ok()) return t.TakeError();
  return Status::Ok();
}

}  // namespace hk::cutover
