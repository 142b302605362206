#include "clone/finish.h"

#include <mutex>
#include <thread>

#include "clone/catalog.h"
#include "clone/session.h"
#include "common/log.h"
#include "pg/catalog/filter.h"
#include "pg/catalog/relations.h"
#include "pg/quote.h"

namespace hk::clone {

Result<int64_t> CopyLargeObjects(pg::Connection& src, pg::Connection& dst, bool no_owner,
                                 const std::atomic<bool>* stop) {
  HK_ASSIGN_OR_RETURN(pg::QueryResult los, src.Exec(R"sql(
    SELECT m.oid, pg_get_userbyid(m.lomowner), obj_description(m.oid, 'pg_largeobject')
    FROM pg_largeobject_metadata m ORDER BY m.oid)sql"));
  constexpr int64_t kChunk = 1 << 20;
  for (int i = 0; i < los.rows(); ++i) {
    if (stop && stop->load()) return MakeError(ErrorKind::kInterrupted, "interrupted");
    std::string oid = los.Str(i, 0);
    HK_ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(dst));
    HK_RETURN_IF_ERROR(dst.Run(
        "SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid = $1::oid", {oid}));
    HK_RETURN_IF_ERROR(dst.Run("SELECT lo_create($1::oid)", {oid}));
    for (int64_t off = 0;; off += kChunk) {
      HK_ASSIGN_OR_RETURN(pg::QueryResult chunk,
                          src.Exec("SELECT lo_get($1::oid, $2::bigint, $3::int)",
                                   {oid, std::to_string(off), std::to_string(kChunk)}));
      std::string data = chunk.Str(0, 0);  // bytea in hex form "\x..."
      if (data.size() <= 2) break;
      HK_RETURN_IF_ERROR(dst.Run("SELECT lo_put($1::oid, $2::bigint, $3::bytea)",
                                 {oid, std::to_string(off), data}));
      if (static_cast<int64_t>(data.size() - 2) / 2 < kChunk) break;
    }
    if (!no_owner)
      HK_RETURN_IF_ERROR(dst.Run("ALTER LARGE OBJECT " + oid + " OWNER TO " + pg::QuoteIdent(los.Get(i, 1))));
    if (auto c = los.Opt(i, 2))
      HK_RETURN_IF_ERROR(dst.Run("COMMENT ON LARGE OBJECT " + oid + " IS " + pg::QuoteLiteral(*c)));
    HK_RETURN_IF_ERROR(tx.Commit());
  }
  return static_cast<int64_t>(los.rows());
}

Result<int64_t> CopySequences(pg::Connection& src, pg::Connection& dst) {
  HK_ASSIGN_OR_RETURN(auto seqs, pg::catalog::ListSequences(src));
  int64_t n = 0;
  for (const auto& seq : seqs) {
    std::string q = seq.Qualified();
    HK_ASSIGN_OR_RETURN(std::string exists, dst.QueryValue("SELECT to_regclass($1) IS NOT NULL", {q}));
    if (exists != "t") continue;  // excluded with its table
    HK_ASSIGN_OR_RETURN(pg::QueryResult v, src.Exec("SELECT last_value, is_called FROM " + q));
    HK_RETURN_IF_ERROR(dst.Run("SELECT pg_catalog.setval($1::regclass, $2::bigint, $3::boolean)",
                               {q, v.Str(0, 0), v.Str(0, 1)}));
    ++n;
  }
  return n;
}

Status RefreshMatviews(pg::Connection& src, pg::Connection& dst, const std::vector<int64_t>& oids) {
  if (oids.empty()) return Status::Ok();
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, src.Exec(R"sql(
    SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = ANY($1::oid[]) AND c.relispopulated)sql",
                                                  {OidArray(oids)}));
  for (int64_t oid : oids) {
    for (int i = 0; i < r.rows(); ++i) {
      if (r.Int(i, 0) != oid) continue;
      std::string q = pg::QualifiedName(r.Get(i, 1), r.Get(i, 2));
      LogDebug("refreshing materialized view {}", q);
      HK_RETURN_IF_ERROR(dst.Run("REFRESH MATERIALIZED VIEW " + q));
    }
  }
  return Status::Ok();
}

Status AnalyzeAll(const pg::ConnInfo& target, const std::string& encoding, int jobs,
                  const std::atomic<bool>* stop) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, OpenTarget(target, encoding));
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(R"sql(
    SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('p', 'm') AND )sql" + pg::catalog::UserRelation() +
                                                R"sql(
    ORDER BY pg_relation_size(c.oid) DESC)sql"));
  std::vector<std::string> names;
  for (int i = 0; i < r.rows(); ++i) names.push_back(pg::QualifiedName(r.Get(i, 0), r.Get(i, 1)));
  std::mutex mu;
  size_t next = 0;
  Status first_error;
  auto work = [&](pg::Connection conn) {
    for (;;) {
      std::string name;
      {
        std::lock_guard<std::mutex> l(mu);
        if (next >= names.size() || !first_error.ok() || (stop && stop->load())) return;
        name = names[next++];
      }
      Status s = conn.Run("ANALYZE " + name);
      if (!s.ok()) {
        std::lock_guard<std::mutex> l(mu);
        if (first_error.ok()) first_error = s;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < std::max(1, jobs); ++j) {
    auto more = OpenTarget(target, encoding);
    if (!more.ok()) break;  // fewer connections is fine
    threads.emplace_back(work, std::move(more).value());
  }
  work(std::move(c));
  for (auto& t : threads) t.join();
  if (stop && stop->load()) return MakeError(ErrorKind::kInterrupted, "interrupted");
  return first_error;
}

}  // namespace hk::clone
