#include "verify/large_objects.h"

#include <map>

namespace hk::verify {

Result<int64_t> CompareLargeObjects(SessionPair& sp, VerifyReport& report) {
  HK_RETURN_IF_ERROR(sp.Begin());
  HK_ASSIGN_OR_RETURN(auto res,
                      sp.Both("SELECT m.oid::text, md5(lo_get(m.oid)), "
                              "octet_length(lo_get(m.oid)) FROM pg_largeobject_metadata m"));
  std::map<std::string, std::string> s, t;
  for (int i = 0; i < res.first.rows(); ++i) {
    s[res.first.Str(i, 0)] = "md5 " + res.first.Str(i, 1) + ", " + res.first.Str(i, 2) + " bytes";
  }
  for (int i = 0; i < res.second.rows(); ++i) {
    t[res.second.Str(i, 0)] =
        "md5 " + res.second.Str(i, 1) + ", " + res.second.Str(i, 2) + " bytes";
  }
  auto diff = [&](const std::string& oid, const char* kind) {
    Difference d;
    d.area = "large_object";
    d.object_type = "large_object";
    d.object = "large object " + oid;
    d.key = oid;
    d.kind = kind;
    if (s.count(oid)) d.source_value = s[oid];
    if (t.count(oid)) d.target_value = t[oid];
    report.Add(std::move(d));
  };
  for (const auto& [oid, h] : s) {
    auto it = t.find(oid);
    if (it == t.end())
      diff(oid, "missing_on_target");
    else if (it->second != h)
      diff(oid, "changed");
  }
  for (const auto& [oid, h] : t) {
    if (!s.count(oid)) diff(oid, "extra_on_target");
  }
  HK_RETURN_IF_ERROR(sp.End());
  return static_cast<int64_t>(s.size());
}

}  // namespace hk::verify
