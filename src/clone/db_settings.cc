#include "clone/db_settings.h"

#include <strings.h>

#include <cctype>

#include "pg/quote.h"

namespace hk::clone {
namespace {

// pg_dump's variable_is_guc_list_quote(): values stored already quoted as
// a list of identifiers.
bool IsListVariable(const std::string& name) {
  for (const char* v : {"local_preload_libraries", "search_path", "session_preload_libraries",
                        "shared_preload_libraries", "temp_tablespaces", "unix_socket_directories"})
    if (strcasecmp(name.c_str(), v) == 0) return true;
  return false;
}

bool Space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// pg_dump's SplitGUCList(): "abc, \"My \"\"S\", public" -> abc | My "S | public.
std::optional<std::vector<std::string>> SplitList(const std::string& raw) {
  std::vector<std::string> out;
  size_t i = 0, n = raw.size();
  while (i < n && Space(raw[i])) ++i;
  if (i == n) return out;
  for (;;) {
    std::string cur;
    if (raw[i] == '"') {
      ++i;
      for (;;) {
        if (i >= n) return std::nullopt;  // mismatched quotes
        if (raw[i] == '"') {
          if (i + 1 < n && raw[i + 1] == '"') {
            cur += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        cur += raw[i++];
      }
    } else {
      size_t start = i;
      while (i < n && raw[i] != ',' && !Space(raw[i])) ++i;
      if (i == start) return std::nullopt;  // empty unquoted name
      cur = raw.substr(start, i - start);
    }
    while (i < n && Space(raw[i])) ++i;
    out.push_back(cur);
    if (i == n) return out;
    if (raw[i] != ',') return std::nullopt;
    ++i;
    while (i < n && Space(raw[i])) ++i;
  }
}

}  // namespace

std::optional<std::string> AlterConfigSql(const std::string& db, const DbSetting& s) {
  size_t eq = s.item.find('=');
  if (eq == std::string::npos) return std::nullopt;
  std::string name = s.item.substr(0, eq), value = s.item.substr(eq + 1);
  std::string sql = s.role.empty() ? "ALTER DATABASE " + pg::QuoteIdent(db)
                                   : "ALTER ROLE " + pg::QuoteIdent(s.role) + " IN DATABASE " +
                                         pg::QuoteIdent(db);
  sql += " SET " + pg::QuoteIdent(name) + " TO ";
  std::optional<std::vector<std::string>> parts;
  if (IsListVariable(name)) parts = SplitList(value);
  if (parts) {
    for (size_t i = 0; i < parts->size(); ++i)
      sql += (i ? ", " : "") + pg::QuoteLiteral((*parts)[i]);
    if (parts->empty()) sql += "''";
  } else {
    sql += pg::QuoteLiteral(value);
  }
  return sql;
}

Result<std::vector<DbSetting>> LoadDbSettings(pg::Connection& src) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, src.Exec(R"sql(
    SELECT coalesce(ro.rolname, ''), c.item
    FROM pg_db_role_setting s
    LEFT JOIN pg_roles ro ON ro.oid = s.setrole
    CROSS JOIN LATERAL unnest(s.setconfig) WITH ORDINALITY AS c(item, n)
    WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND (s.setrole = 0 OR ro.oid IS NOT NULL)
    ORDER BY s.setrole <> 0, 1, c.n)sql"));
  std::vector<DbSetting> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(DbSetting{r.Str(i, 0), r.Str(i, 1)});
  return out;
}

Result<DbSettingsOutcome> ApplyDbSettings(pg::Connection& dst,
                                          const std::vector<DbSetting>& settings) {
  DbSettingsOutcome out;
  if (settings.empty()) return out;
  HK_ASSIGN_OR_RETURN(std::string db, dst.QueryValue("SELECT current_database()"));
  for (const auto& s : settings) {
    std::optional<std::string> sql = AlterConfigSql(db, s);
    if (!sql) continue;
    if (s.role.empty() && s.item == "default_transaction_read_only=on") {
      out.skipped_freeze.push_back(*sql + ";");
      continue;
    }
    Status st = dst.Run(*sql);
    if (st.ok()) {
      ++out.applied;
      continue;
    }
    // Not allowed for this user (a superuser-only parameter, another role's
    // settings) or the role does not exist on the target: for a privileged
    // user to run. Anything else is a real failure.
    const Error& e = st.error();
    if (e.kind == ErrorKind::kPermission || e.sqlstate == "42704") {
      out.left_to_run.push_back(*sql + ";");
      continue;
    }
    Error err = st.TakeError();
    err.message = "carrying the database setting (" + *sql + "): " + err.message;
    return err;
  }
  return out;
}

}  // namespace hk::clone
