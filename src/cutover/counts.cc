#include "cutover/counts.h"

#include <future>
#include <map>

#include "cutover/freeze.h"
#include "pg/quote.h"

namespace hk::cutover {
namespace {

Result<std::map<std::string, int64_t>> CountAll(const pg::ConnInfo& ci,
                                                const std::vector<std::string>& tables) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, OpenAdmin(ci));
  std::map<std::string, int64_t> out;
  for (const auto& t : tables) {
    HK_ASSIGN_OR_RETURN(auto r, c.Exec("SELECT count(*) FROM " + t));
    out[t] = r.Int(0, 0);
  }
  return out;
}

}  // namespace

Result<CountCheck> CompareCounts(const pg::ConnInfo& source, const pg::ConnInfo& target,
                                 const std::string& publication) {
  std::vector<std::string> tables;
  {
    HK_ASSIGN_OR_RETURN(pg::Connection c, OpenAdmin(source));
    HK_ASSIGN_OR_RETURN(
        auto r, c.Exec("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1 "
                       "AND schemaname <> 'hikkoshi' "
                       "UNION SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON "
                       "n.oid = c.relnamespace "
                       "WHERE $1 = '' AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND "
                       "c.relpersistence = 'p' "
                       "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'hikkoshi') "
                       "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2",
                       {publication}));
    for (int i = 0; i < r.rows(); ++i)
      tables.push_back(pg::QualifiedName(r.Get(i, 0), r.Get(i, 1)));
  }
  auto fs = std::async(std::launch::async, [&] { return CountAll(source, tables); });
  auto ft = CountAll(target, tables);
  auto fsr = fs.get();
  if (!fsr.ok()) return std::move(fsr.TakeError()).Context("counting rows on the source");
  if (!ft.ok()) return std::move(ft.TakeError()).Context("counting rows on the target");
  CountCheck out;
  out.tables = static_cast<int>(tables.size());
  for (const auto& t : tables) {
    int64_t s = fsr.value()[t], g = ft.value()[t];
    out.rows += s;
    if (s != g) out.diffs.push_back({t, s, g});
  }
  return out;
}

}  // namespace hk::cutover
