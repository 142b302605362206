#include "clone/existing_objects.h"

namespace hk::clone {
namespace {

// pg_restore -l's sanitize_line: CR and LF become spaces.
constexpr const char* kExistingSql = R"SQL(
WITH o(s) AS (
  SELECT 'INDEX ' || n.nspname || ' ' || c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('i', 'I')
  UNION ALL
  SELECT 'INDEX ATTACH ' || n.nspname || ' ' || c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_inherits i ON i.inhrelid = c.oid
   WHERE c.relkind IN ('i', 'I')
  UNION ALL
  SELECT d.d || ' ' || n.nspname || ' ' || coalesce(r.relname, ty.typname) || ' ' || co.conname
    FROM pg_constraint co
    LEFT JOIN pg_class r ON r.oid = co.conrelid
    LEFT JOIN pg_type ty ON ty.oid = co.contypid
    JOIN pg_namespace n ON n.oid = co.connamespace
    CROSS JOIN (VALUES ('CONSTRAINT'), ('FK CONSTRAINT'), ('CHECK CONSTRAINT')) d(d)
  UNION ALL
  SELECT 'TRIGGER ' || n.nspname || ' ' || r.relname || ' ' || t.tgname
    FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = r.relnamespace
   WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'RULE ' || n.nspname || ' ' || r.relname || ' ' || w.rulename
    FROM pg_rewrite w JOIN pg_class r ON r.oid = w.ev_class
    JOIN pg_namespace n ON n.oid = r.relnamespace
   WHERE w.rulename <> '_RETURN'
  UNION ALL
  SELECT 'POLICY ' || n.nspname || ' ' || r.relname || ' ' || p.polname
    FROM pg_policy p JOIN pg_class r ON r.oid = p.polrelid
    JOIN pg_namespace n ON n.oid = r.relnamespace
  UNION ALL
  SELECT 'STATISTICS ' || n.nspname || ' ' || s.stxname
    FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
  UNION ALL
  SELECT 'EVENT TRIGGER - ' || e.evtname FROM pg_event_trigger e
)
SELECT DISTINCT translate(s, E'\r\n', '  ') FROM o
)SQL";

}  // namespace

Result<std::set<std::string>> ExistingPostDataObjects(pg::Connection& target) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, target.Exec(kExistingSql));
  std::set<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.insert(r.Str(i, 0));
  return out;
}

bool TocEntryExists(const TocEntry& e, const std::set<std::string>& existing) {
  static constexpr std::string_view kKinds[] = {
      "INDEX",   "INDEX ATTACH",  "CONSTRAINT", "FK CONSTRAINT", "CHECK CONSTRAINT",
      "TRIGGER", "EVENT TRIGGER", "RULE",       "POLICY",        "STATISTICS"};
  for (std::string_view kind : kKinds) {
    if (!e.Is(kind)) continue;
    const std::string& s = e.rest;
    for (size_t p = s.find(' ', kind.size() + 1); p != std::string::npos; p = s.find(' ', p + 1))
      if (existing.count(s.substr(0, p)) > 0) return true;
    return false;
  }
  return false;
}

}  // namespace hk::clone
