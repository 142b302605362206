#include "cdc/identity.h"

#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include "common/log.h"
#include "common/retry.h"
#include "pg/catalog/filter.h"
#include "pg/quote.h"

namespace hk::cdc {
namespace {

constexpr const char* kQuery = R"SQL(
SELECT format('%I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
  AND (c.relreplident = 'n'
       OR (c.relreplident = 'd' AND NOT EXISTS (
             SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))
       OR (c.relreplident = 'i' AND NOT EXISTS (
             SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)))
  AND )SQL";

}  // namespace

Result<std::vector<std::string>> TablesWithoutIdentity(pg::Connection& source,
                                                       const std::vector<std::string>& tables) {
  std::string base = kQuery + pg::catalog::UserRelation();
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto collect = [&](const pg::QueryResult& r) {
    for (int i = 0; i < r.rows(); ++i)
      if (seen.insert(r.Str(i, 0)).second) out.push_back(r.Str(i, 0));
  };
  if (tables.empty()) {
    HK_ASSIGN_OR_RETURN(auto r, source.Exec(base + " ORDER BY 1"));
    collect(r);
    return out;
  }
  for (const auto& t : tables) {
    HK_ASSIGN_OR_RETURN(
        auto r,
        source.Exec(
            base + " AND c.oid IN (SELECT relid FROM pg_partition_tree($1::regclass)) ORDER BY 1",
            {t}));
    collect(r);
  }
  return out;
}

Status SetReplicaIdentityFull(pg::Connection& source, const std::vector<std::string>& tables) {
  // One transaction: all tables or none. ALTER TABLE takes ACCESS EXCLUSIVE
  // table after table, so an application transaction that holds a row lock
  // on a later table and then writes an earlier one deadlocks with it (found
  // by the randomized soak); the server rolls one of the two back. When it
  // is ours, the whole transaction is tried again, a few times, with
  // backoff. lock_timeout bounds how long the application waits behind it.
  constexpr int kAttempts = 8;
  for (int attempt = 1;; ++attempt) {
    Status st = [&]() -> Status {
      HK_ASSIGN_OR_RETURN(auto tx, pg::Transaction::Begin(source));
      HK_RETURN_IF_ERROR(source.Run("SET LOCAL lock_timeout = '10s'"));
      for (const auto& t : tables)
        HK_RETURN_IF_ERROR(source.Run("ALTER TABLE " + t + " REPLICA IDENTITY FULL"));
      return tx.Commit();
    }();
    if (st.ok() || attempt == kAttempts) return st;
    const std::string state = st.error().sqlstate;
    if (state != "40P01" && state != "55P03") return st;  // deadlock, lock_not_available
    LogWarn("setting REPLICA IDENTITY FULL: {} (attempt {} of {}); trying again",
            st.error().message, attempt, kAttempts);
    std::this_thread::sleep_for(BackoffDelay(attempt, std::rand() / (RAND_MAX + 1.0)));
  }
}

Error NoIdentityError(const std::vector<std::string>& tables) {
  std::string list;
  for (size_t i = 0; i < tables.size() && i < 10; ++i) list += (i ? ", " : "") + tables[i];
  if (tables.size() > 10) list += ", ... (" + std::to_string(tables.size()) + " in all)";
  return BlockedError(
      "cannot follow changes of tables without a primary key or replica identity: " + list +
          " (once published, UPDATE and DELETE on them would fail on the source)",
      "rerun with --replica-identity-full to set REPLICA IDENTITY FULL on them, add a primary "
      "key, or leave them out of the table list");
}

}  // namespace hk::cdc
