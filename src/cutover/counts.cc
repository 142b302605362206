#include "cutover/counts.h"

#include <future>
#include <map>
#include <set>

#include "cutover/freeze.h"
#include "pg/catalog/relations.h"
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
    // The user's publishable tables (pg/catalog), narrowed to the
    // publication's when it names them (hikkoshi's own probe table and
    // extension members are never counted: clone does not copy them).
    HK_ASSIGN_OR_RETURN(auto all, pg::catalog::ListPublishableTables(c));
    std::set<std::pair<std::string, std::string>> published;
    if (!publication.empty()) {
      HK_ASSIGN_OR_RETURN(auto r, c.Exec("SELECT schemaname, tablename FROM pg_publication_tables "
                                         "WHERE pubname = $1",
                                         {publication}));
      for (int i = 0; i < r.rows(); ++i) published.emplace(r.Str(i, 0), r.Str(i, 1));
    }
    for (const auto& t : all)
      if (publication.empty() || published.count({t.schema, t.name}))
        tables.push_back(t.Qualified());
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
