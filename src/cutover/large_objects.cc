#include "cutover/large_objects.h"

#include <map>

namespace hk::cutover {
namespace {

// OID -> digest of its pages ("" when the contents cannot be read).
Result<std::map<std::string, std::string>> Digests(pg::Connection& c, bool& contents) {
  std::map<std::string, std::string> out;
  HK_ASSIGN_OR_RETURN(std::string n, c.QueryValue("SELECT count(*) FROM pg_largeobject_metadata"));
  if (n == "0") return out;
  auto r = c.Exec(
      "SELECT m.oid::text, coalesce(md5(string_agg(md5(l.data), '' ORDER BY l.pageno)), '') "
      "FROM pg_largeobject_metadata m LEFT JOIN pg_largeobject l ON l.loid = m.oid "
      "GROUP BY m.oid");
  if (!r.ok()) {  // pg_largeobject is readable by superusers only
    contents = false;
    r = c.Exec("SELECT oid::text, '' FROM pg_largeobject_metadata");
    if (!r.ok()) return r.TakeError();
  }
  for (int i = 0; i < r->rows(); ++i) out[r->Str(i, 0)] = r->Str(i, 1);
  return out;
}

}  // namespace

Result<LargeObjectCheck> CompareLargeObjects(pg::Connection& source, pg::Connection& target) {
  LargeObjectCheck out;
  out.contents_compared = true;
  HK_ASSIGN_OR_RETURN(auto s, Digests(source, out.contents_compared));
  HK_ASSIGN_OR_RETURN(auto t, Digests(target, out.contents_compared));
  out.source = static_cast<int64_t>(s.size());
  out.target = static_cast<int64_t>(t.size());
  for (const auto& [oid, digest] : s) {
    auto it = t.find(oid);
    if (it == t.end())
      out.diffs.push_back("OID " + oid + " (only on the source)");
    else if (out.contents_compared && it->second != digest)
      out.diffs.push_back("OID " + oid + " (contents differ)");
  }
  for (const auto& [oid, digest] : t)
    if (!s.count(oid)) out.diffs.push_back("OID " + oid + " (only on the target)");
  return out;
}

}  // namespace hk::cutover
