#include "clone/schema.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "clone/existing_objects.h"
#include "clone/run_tool.h"
#include "common/log.h"
#include "pg/catalog/filter.h"
#include "pg/quote.h"

namespace hk::clone {
namespace {

bool ParseInt(std::string_view s, int64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Items a fresh target already has, whose re-creation fails for non-superusers.
// Grants on the system catalog's own objects (a provider's GRANT EXECUTE on
// pg_replication_origin_* to its owner role, say) belong to the old server's
// setup: a managed target refuses them and names roles it does not have.
bool AlreadyOnEveryTarget(const TocEntry& e) {
  return e.rest.rfind("EXTENSION - plpgsql ", 0) == 0 ||
         e.rest.rfind("COMMENT - EXTENSION plpgsql ", 0) == 0 ||
         e.rest.rfind("ACL pg_catalog ", 0) == 0;
}

bool ProviderOnly(const TocEntry& e) {
  for (std::string_view prefix : {"EXTENSION - ", "COMMENT - EXTENSION "}) {
    if (e.rest.rfind(prefix, 0) != 0) continue;
    std::string_view name = std::string_view(e.rest).substr(prefix.size());
    return IsProviderOnlyExtension(name.substr(0, name.find(' ')));
  }
  return false;
}

}  // namespace

bool IsProviderOnlyExtension(std::string_view name) {
  for (std::string_view n : {"neon", "neon_utils", "supautils", "rds_tools", "aurora_stat_utils"})
    if (name == n) return true;
  return false;
}

bool TocEntry::Is(std::string_view desc) const {
  if (rest.size() <= desc.size() || rest.compare(0, desc.size(), desc) != 0 ||
      rest[desc.size()] != ' ')
    return false;
  // "TABLE" must not match "TABLE DATA", "INDEX" not "INDEX ATTACH", ...
  std::string_view after = std::string_view(rest).substr(desc.size() + 1);
  for (std::string_view longer : {"DATA ", "ATTACH ", "OWNED BY ", "SET ", "VIEW DATA "})
    if (after.rfind(longer, 0) == 0) return false;
  return true;
}

std::vector<TocEntry> ParseToc(const std::string& text) {
  std::vector<TocEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == ';') continue;
    size_t semi = line.find("; ");
    if (semi == std::string::npos) continue;
    TocEntry e;
    if (!ParseInt(std::string_view(line).substr(0, semi), e.dump_id)) continue;
    std::string_view r = std::string_view(line).substr(semi + 2);
    size_t sp1 = r.find(' ');
    if (sp1 == std::string_view::npos) continue;
    size_t sp2 = r.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) continue;
    if (!ParseInt(r.substr(0, sp1), e.catalog_oid)) continue;
    if (!ParseInt(r.substr(sp1 + 1, sp2 - sp1 - 1), e.object_oid)) continue;
    e.rest = std::string(r.substr(sp2 + 1));
    e.line = line;
    out.push_back(std::move(e));
  }
  return out;
}

Status SchemaFiles::Dump(const CloneOptions& o, const std::string& snapshot,
                         const std::atomic<bool>* stop) {
  // No publications or subscriptions: hikkoshi's own (hikkoshi_pub exists
  // on the source during clone --follow) must never reach the target, where
  // a FOR ALL TABLES publication makes UPDATE/DELETE fail on key-less
  // tables; a user's belong to the old server's replication setup.
  std::vector<std::string> argv = {"pg_dump",
                                   "--format=custom",
                                   "--schema-only",
                                   "--no-publications",
                                   "--no-subscriptions",
                                   "--snapshot=" + snapshot,
                                   "--file=" + Path("schema.dump"),
                                   "--dbname=" + ToolDbname(o.source)};
  // hikkoshi's own objects (pg/catalog/filter.h) stay behind.
  argv.push_back(std::string("--exclude-schema=") + pg::catalog::kOwnSchema);
  for (const auto& p : o.exclude_tables) argv.push_back("--exclude-table=" + p);
  if (o.lock_timeout_ms > 0)
    argv.push_back("--lock-wait-timeout=" + std::to_string(o.lock_timeout_ms));
  HK_RETURN_IF_ERROR(RunTool("pg_dump", argv, o.source, Path("pg_dump.log"), stop));
  return LoadToc(o.source, stop);
}

Status SchemaFiles::LoadToc(const pg::ConnInfo& any, const std::atomic<bool>* stop) {
  std::string out;
  HK_RETURN_IF_ERROR(RunTool("toc", {"pg_restore", "--list", Path("schema.dump")}, any,
                             Path("pg_restore.log"), stop, &out));
  toc_ = ParseToc(out);
  return Status::Ok();
}

Status SchemaFiles::WriteList(const std::string& file, const std::set<int64_t>& skip_oids,
                              const std::set<std::string>* existing) const {
  std::ofstream f(Path(file), std::ios::trunc);
  for (const auto& e : toc_) {
    bool skip = AlreadyOnEveryTarget(e) || ProviderOnly(e) ||
                ((e.Is("INDEX") || e.Is("CONSTRAINT")) && skip_oids.count(e.object_oid) > 0) ||
                (existing != nullptr && TocEntryExists(e, *existing));
    f << (skip ? ";" : "") << e.line << "\n";
  }
  f.close();
  if (!f) return MakeError(ErrorKind::kInternal, "cannot write " + Path(file));
  return Status::Ok();
}

Status SchemaFiles::RestorePreData(const CloneOptions& o, bool clean,
                                   const std::atomic<bool>* stop) {
  HK_RETURN_IF_ERROR(WriteList("pre-data.list", {}));
  std::vector<std::string> argv = {"pg_restore",
                                   "--section=pre-data",
                                   "--single-transaction",
                                   "--exit-on-error",
                                   "--use-list=" + Path("pre-data.list"),
                                   "--dbname=" + ToolDbname(o.target)};
  if (clean) {
    argv.push_back("--clean");
    argv.push_back("--if-exists");
  }
  if (o.no_owner) argv.push_back("--no-owner");
  if (o.no_acl) argv.push_back("--no-acl");
  argv.push_back(Path("schema.dump"));
  return RunTool("pre-data", argv, o.target, Path("pg_restore.log"), stop);
}

Status SchemaFiles::RestorePostData(const CloneOptions& o, const std::set<int64_t>& skip,
                                    const std::set<std::string>* existing,
                                    const std::atomic<bool>* stop) {
  HK_RETURN_IF_ERROR(WriteList("post-data.list", skip, existing));
  std::vector<std::string> argv = {"pg_restore",
                                   "--section=post-data",
                                   "--exit-on-error",
                                   "--jobs=" + std::to_string(std::max(1, o.index_jobs)),
                                   "--use-list=" + Path("post-data.list"),
                                   "--dbname=" + ToolDbname(o.target)};
  if (o.no_owner) argv.push_back("--no-owner");
  if (o.no_acl) argv.push_back("--no-acl");
  argv.push_back(Path("schema.dump"));
  return RunTool("post-data", argv, o.target, Path("pg_restore.log"), stop);
}

std::vector<int64_t> SchemaFiles::TableOids() const {
  std::vector<int64_t> out;
  for (const auto& e : toc_)
    if (e.catalog_oid == 1259 && e.Is("TABLE")) out.push_back(e.object_oid);
  return out;
}

std::vector<int64_t> SchemaFiles::MatviewOids() const {
  std::vector<int64_t> out;
  for (const auto& e : toc_)
    if (e.catalog_oid == 1259 && e.Is("MATERIALIZED VIEW")) out.push_back(e.object_oid);
  return out;
}

Result<std::string> DescribeTargetContents(pg::Connection& t) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, t.Exec(R"sql(
    WITH user_ns AS (
      SELECT oid, nspname FROM pg_namespace WHERE )sql" +
                                                pg::catalog::NotSystemSchema("nspname") +
                                                R"sql()
    SELECT
      (SELECT count(*) FROM pg_class c JOIN user_ns n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'f')),
      (SELECT count(*) FROM pg_class c JOIN user_ns n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm', 'S')),
      (SELECT count(*) FROM user_ns WHERE nspname <> 'public'),
      (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql'),
      (SELECT count(*) FROM pg_proc p JOIN user_ns n ON n.oid = p.pronamespace),
      (SELECT count(*) FROM pg_type t JOIN user_ns n ON n.oid = t.typnamespace
        WHERE t.typrelid = 0 AND t.typelem = 0),
      (SELECT count(*) FROM pg_largeobject_metadata))sql"));
  const char* what[] = {"table",    "view/sequence", "schema",      "extension",
                        "function", "type",          "large object"};
  std::string out;
  for (int i = 0; i < 7; ++i) {
    int64_t n = r.Int(0, i);
    if (n == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(n) + " " + what[i] + (n == 1 ? "" : "s");
  }
  return out;
}

Status DropTargetContents(pg::Connection& t) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult ext,
                      t.Exec("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'"));
  HK_ASSIGN_OR_RETURN(pg::QueryResult ns,
                      t.Exec("SELECT nspname FROM pg_namespace WHERE nspname <> 'public' AND " +
                             pg::catalog::NotSystemSchema("nspname")));
  std::string sql = "BEGIN;";
  for (int i = 0; i < ext.rows(); ++i)
    sql += " DROP EXTENSION IF EXISTS " + pg::QuoteIdent(ext.Get(i, 0)) + " CASCADE;";
  for (int i = 0; i < ns.rows(); ++i)
    sql += " DROP SCHEMA IF EXISTS " + pg::QuoteIdent(ns.Get(i, 0)) + " CASCADE;";
  sql +=
      " DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"
      " ALTER SCHEMA public OWNER TO pg_database_owner;"
      " GRANT USAGE ON SCHEMA public TO PUBLIC;"
      " COMMENT ON SCHEMA public IS 'standard public schema';"
      " SELECT count(lo_unlink(oid)) FROM pg_largeobject_metadata;"
      " COMMIT;";
  Status s = t.Run(sql);
  if (!s.ok()) {
    (void)t.Run("ROLLBACK");
    Error e = s.error();
    e.message = "--drop-if-exists could not empty the target: " + e.message;
    return e;
  }
  return Status::Ok();
}

}  // namespace hk::clone
