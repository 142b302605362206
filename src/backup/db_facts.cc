#include "backup/db_facts.h"

#include "pg/catalog/filter.h"
#include "pg/catalog/relations.h"
#include "pg/quote.h"

namespace hk::backup {
namespace {

// {user}: a user relation (pg/catalog/filter.h) of pg_class c / pg_namespace n;
// {user_ns:X}: X.nspname is a user schema.
constexpr const char* kObjectCounts = R"(
SELECT
 (SELECT count(*) FROM pg_namespace n WHERE {user_ns:n}) AS schemas,
 (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r','p') AND {user}) AS tables,
 (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'v' AND {user}) AS views,
 (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'm' AND {user}) AS materialized_views,
 (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'S' AND {user}) AS sequences,
 (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('i','I') AND {user}) AS indexes,
 (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
    WHERE {user_ns:n}) AS constraints,
 (SELECT count(*) FROM pg_trigger t WHERE NOT t.tgisinternal) AS triggers,
 (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE {user_ns:n} AND {not_ext_proc}) AS functions,
 (SELECT count(*) FROM pg_extension) AS extensions,
 (SELECT count(*) FROM pg_largeobject_metadata) AS large_objects
)";

std::string Expand(std::string s) {
  const std::pair<std::string, std::string> keys[] = {
      {"{user}", pg::catalog::UserRelation()},
      {"{user_ns:n}", pg::catalog::UserSchema("n.nspname")},
      {"{not_ext_proc}", pg::catalog::NotExtensionMember("pg_proc", "p.oid")}};
  for (const auto& [key, sql] : keys)
    for (size_t p; (p = s.find(key)) != std::string::npos;) s.replace(p, key.size(), sql);
  return s;
}

}  // namespace

Result<DbFacts> CollectDbFacts(pg::Connection& c) {
  DbFacts f;
  // The relations that hold rows (matviews once populated) and the sequences.
  HK_ASSIGN_OR_RETURN(auto rels, pg::catalog::ListRelations(c, "rm"));
  for (const auto& rel : rels) {
    if (!rel.populated) continue;
    TableCount t{rel.schema, rel.name, 0};
    HK_ASSIGN_OR_RETURN(auto n, c.QueryValue("SELECT count(*) FROM " + rel.Qualified()));
    t.rows = std::stoll(n);
    f.tables.push_back(std::move(t));
  }
  HK_ASSIGN_OR_RETURN(auto seqs, pg::catalog::ListSequences(c));
  for (const auto& seq : seqs) {
    SequenceValue s{seq.schema, seq.name, "", false};
    HK_ASSIGN_OR_RETURN(auto v,
                        c.Exec("SELECT last_value::text, is_called FROM " + seq.Qualified()));
    s.last_value = v.Str(0, 0);
    s.is_called = v.Bool(0, 1);
    f.sequences.push_back(std::move(s));
  }
  HK_ASSIGN_OR_RETURN(auto oc, c.Exec(Expand(kObjectCounts)));
  for (int col = 0; col < oc.cols(); ++col) f.objects[oc.ColName(col)] = oc.Int(0, col);
  return f;
}

nlohmann::json FactsToJson(const DbFacts& f) {
  nlohmann::json tables = nlohmann::json::array(), seqs = nlohmann::json::array();
  for (const auto& t : f.tables) tables.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}});
  for (const auto& s : f.sequences) {
    seqs.push_back({{"schema", s.schema}, {"name", s.name}, {"last_value", s.last_value},
                    {"is_called", s.is_called}});
  }
  return {{"tables", tables}, {"sequences", seqs}, {"objects", f.objects}};
}

Result<DbFacts> FactsFromJson(const nlohmann::json& j) {
  DbFacts f;
  try {
    for (const auto& t : j.at("tables")) {
      f.tables.push_back({t.at("schema").get<std::string>(), t.at("name").get<std::string>(),
                          t.at("rows").get<int64_t>()});
    }
    for (const auto& s : j.at("sequences")) {
      f.sequences.push_back({s.at("schema").get<std::string>(), s.at("name").get<std::string>(),
                             s.at("last_value").get<std::string>(), s.at("is_called").get<bool>()});
    }
    f.objects = j.at("objects").get<std::map<std::string, int64_t>>();
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorKind::kBadInput, std::string("malformed facts in manifest: ") + e.what());
  }
  return f;
}

std::vector<std::string> CompareFacts(const DbFacts& expected, const DbFacts& actual,
                                      std::vector<std::string>* notes) {
  std::vector<std::string> diffs;
  std::map<std::string, int64_t> rows;
  for (const auto& t : actual.tables) rows[pg::QualifiedName(t.schema, t.name)] = t.rows;
  for (const auto& t : expected.tables) {
    if (t.schema == pg::catalog::kOwnSchema) continue;  // listed by manifests of before #11
    std::string q = pg::QualifiedName(t.schema, t.name);
    auto it = rows.find(q);
    if (it == rows.end()) {
      diffs.push_back("table " + q + " is missing from the restored database");
    } else if (it->second != t.rows) {
      diffs.push_back("table " + q + ": manifest says " + std::to_string(t.rows) +
                      " rows, restored database has " + std::to_string(it->second));
    }
  }
  std::map<std::string, const SequenceValue*> seqs;
  for (const auto& s : actual.sequences) seqs[pg::QualifiedName(s.schema, s.name)] = &s;
  for (const auto& s : expected.sequences) {
    if (s.schema == pg::catalog::kOwnSchema) continue;
    std::string q = pg::QualifiedName(s.schema, s.name);
    auto it = seqs.find(q);
    if (it == seqs.end()) {
      diffs.push_back("sequence " + q + " is missing from the restored database");
      continue;
    }
    const SequenceValue& a = *it->second;
    if (a.last_value == s.last_value && a.is_called == s.is_called) continue;
    long double ev = std::stold(s.last_value), av = std::stold(a.last_value);
    if (av > ev || (av == ev && a.is_called && !s.is_called)) {
      if (notes) notes->push_back("sequence " + q + " advanced during the dump (" + s.last_value +
                                  " -> " + a.last_value + ")");
      continue;
    }
    diffs.push_back("sequence " + q + ": manifest says " + s.last_value +
                    (s.is_called ? "" : " (not called)") + ", restored database has " + a.last_value +
                    (a.is_called ? "" : " (not called)"));
  }
  return diffs;
}

}  // namespace hk::backup
