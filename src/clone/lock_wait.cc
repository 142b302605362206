#include "clone/lock_wait.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "clone/session.h"
#include "common/log.h"
#include "common/retry.h"

namespace hk::clone {

Status WaitForSourceLocks(const CloneOptions& o, const std::atomic<bool>* stop) {
  HK_ASSIGN_OR_RETURN(pg::Connection c, OpenSource(o.source, "UTF8", "hikkoshi clone (locks)"));
  // Granted or requested: a queued ACCESS EXCLUSIVE request blocks later
  // ACCESS SHARE requests too.
  const char* q = R"sql(
    SELECT format('%I.%I', n.nspname, c.relname), l.pid, l.granted,
           coalesce(a.application_name, ''), left(coalesce(a.query, ''), 80)
    FROM pg_catalog.pg_locks l
    JOIN pg_catalog.pg_class c ON c.oid = l.relation
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
      AND l.pid <> pg_backend_pid() AND c.relkind IN ('r', 'p', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
    ORDER BY l.granted DESC, 1 LIMIT 1)sql";
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_said = start - std::chrono::hours(1);
  for (;;) {
    HK_ASSIGN_OR_RETURN(pg::QueryResult r, c.Exec(q));
    if (r.rows() == 0) {
      if (last_said > start) LogInfo("the lock on the source is gone; continuing");
      return Status::Ok();
    }
    const std::string what = fmt::format(
        "{} is locked on the source by pid {} ({}{}{}) in ACCESS EXCLUSIVE mode{}", r.Str(0, 0),
        r.Str(0, 1), r.Str(0, 3).empty() ? "" : r.Str(0, 3) + ": ", r.Str(0, 4),
        r.Str(0, 4).size() >= 80 ? "..." : "", r.Str(0, 2) == "t" ? "" : " (requested)");
    auto waited =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    if (o.lock_timeout_ms > 0 && waited >= o.lock_timeout_ms) {
      Error e = MakeError(ErrorKind::kRetryable,
                          fmt::format("{}; gave up after waiting {} (--lock-timeout)", what,
                                      RetryDelayText(std::chrono::milliseconds(waited))),
                          "end that session or wait until it is done, then rerun (with --resume "
                          "when the clone had started); or raise --lock-timeout");
      e.sqlstate = "55P03";
      return e;
    }
    if (Clock::now() - last_said >= std::chrono::seconds(10)) {
      LogWarn("waiting: {}; reads of it would block{}", what,
              o.lock_timeout_ms > 0
                  ? fmt::format(" (giving up after --lock-timeout {})",
                                RetryDelayText(std::chrono::milliseconds(o.lock_timeout_ms)))
                  : " (no --lock-timeout: waiting as long as it takes)");
      last_said = Clock::now();
    }
    for (int i = 0; i < 10; ++i) {
      if (stop && stop->load()) return MakeError(ErrorKind::kInterrupted, "interrupted");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace hk::clone
