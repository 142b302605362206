#include "cdc/publication.h"

#include "cdc/target_table.h"
#include "pg/catalog/filter.h"

namespace hk::cdc {
namespace {

// The catalog module's publishable tables (no system schema, no extension
// member, nothing of hikkoshi's own schema: the cutover probe is added to
// the publication by cutover itself, the progress table is never published).
const std::string kPublishable =
    "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " +
    pg::catalog::PublishableTable();

std::string TextArray(const std::vector<std::string>& items) {
  std::string arr = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    arr += i ? ",\"" : "\"";
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') arr += '\\';
      arr += ch;
    }
    arr += "\"";
  }
  return arr + "}";
}

Result<std::vector<std::string>> Column(pg::Connection& c, const std::string& sql,
                                        const std::vector<pg::Param>& params = {}) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(sql, params));
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.Str(i, 0));
  return out;
}

}  // namespace

Result<bool> IsSuperuser(pg::Connection& c) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r,
                      c.Exec("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", {}));
  return r.rows() == 1 && r.Bool(0, 0);
}

Result<std::vector<std::string>> PublishableTables(pg::Connection& c) {
  return Column(c, std::string("SELECT name FROM (") + kPublishable + ") t ORDER BY 1");
}

Result<std::vector<std::string>> TablesNotOwned(pg::Connection& c,
                                                const std::vector<std::string>& tables) {
  return Column(c,
                "SELECT t FROM unnest($1::text[]) WITH ORDINALITY u(t, i) "
                "JOIN pg_class c ON c.oid = t::regclass "
                "WHERE NOT pg_has_role(c.relowner, 'USAGE') ORDER BY i",
                {TextArray(tables)});
}

Result<std::vector<std::string>> TablesLeftOut(pg::Connection& c,
                                               const std::vector<std::string>& published) {
  return Column(c,
                std::string("SELECT name FROM (") + kPublishable +
                    ") t WHERE t.oid <> ALL (SELECT u::regclass FROM unnest($1::text[]) u) "
                    "ORDER BY 1",
                {TextArray(published)});
}

Result<std::vector<std::string>> UnpublishedNewTables(pg::Connection& c,
                                                      const std::string& publication,
                                                      const std::vector<std::string>& left_out) {
  // A left-out table that was dropped no longer resolves: compare by name.
  return Column(c,
                std::string("SELECT name FROM (") + kPublishable +
                    ") t WHERE NOT EXISTS (SELECT 1 FROM pg_publication_rel pr "
                    "JOIN pg_publication p ON p.oid = pr.prpubid "
                    "WHERE p.pubname = $1 AND pr.prrelid = t.oid) "
                    "AND t.name <> ALL ($2::text[]) ORDER BY 1",
                {publication, TextArray(left_out)});
}

Error NewTablesError(const std::string& publication, const std::vector<std::string>& tables) {
  std::string names, add;
  for (size_t i = 0; i < tables.size(); ++i) {
    names += (i ? ", " : "") + tables[i];
    add += (i ? ", " : "") + tables[i];
  }
  return BlockedError(
      "table(s) created on the source after the follow setup are not in publication " +
          publication + ", so their changes are not captured: " + names,
      "this is a schema change (DDL): create the table(s) on the target, then run on the source "
      "`ALTER PUBLICATION " +
          publication + " ADD TABLE " + add +
          ";` and copy the rows written so far; or, simpler, `hikkoshi cleanup` and clone again "
          "with --follow");
}

}  // namespace hk::cdc
