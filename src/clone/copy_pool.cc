#include "clone/copy_pool.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include "clone/session.h"
#include "clone/table_copy.h"
#include "common/crash_point.h"
#include "common/log.h"
#include "pg/quote.h"

namespace hk::clone {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

class Pool {
 public:
  explicit Pool(PoolInput in) : in_(std::move(in)) {
    for (auto& p : in_.pending) parts_.push_back(p);
    for (int64_t t : in_.ready_for_indexes) QueueIndexesLocked(t);
  }

  Result<PoolResult> Run() {
    start_ = Clock::now();
    const CloneOptions& o = *in_.opts;
    std::vector<std::thread> threads;
    int copy_workers = std::max(1, std::min<int>(o.jobs, static_cast<int>(parts_.size())));
    if (parts_.empty()) copy_workers = 0;
    {
      std::lock_guard<std::mutex> l(mu_);
      copy_workers_left_ = copy_workers;
      if (copy_workers == 0) copy_end_ = Clock::now();
    }
    for (int i = 0; i < copy_workers; ++i) threads.emplace_back([this] { CopyWorker(); });
    for (int i = 0; i < std::max(1, o.index_jobs); ++i) threads.emplace_back([this] { IndexWorker(); });
    std::thread watcher([this] { Watch(); });
    for (auto& t : threads) t.join();
    {
      std::lock_guard<std::mutex> l(mu_);
      finished_ = true;
    }
    cv_.notify_all();
    watcher.join();
    if (in_.opts->stop && in_.opts->stop->load())
      return MakeError(ErrorKind::kInterrupted, "interrupted");
    if (!error_.ok()) return error_.error();
    PoolResult r = result_;
    r.copy_seconds = std::chrono::duration<double>(copy_end_ - start_).count();
    r.index_seconds = index_started_ ? std::chrono::duration<double>(index_end_ - index_start_).count() : 0;
    return r;
  }

 private:
  void Fail(Error e) {
    std::lock_guard<std::mutex> l(mu_);
    // Once halted, errors from our own cancels (57014) are noise.
    bool noise = halt_ && (e.kind == ErrorKind::kInterrupted || e.sqlstate == "57014");
    if (error_.ok() && !noise) error_ = Status(std::move(e));
    halt_ = true;
    CancelAllLocked();
    cv_.notify_all();
  }

  void CancelAllLocked() {
    for (const pg::Connection* c : active_) c->Cancel();
  }

  void Register(const pg::Connection* c) {
    std::lock_guard<std::mutex> l(mu_);
    active_.insert(c);
  }
  void Unregister(const pg::Connection* c) {
    std::lock_guard<std::mutex> l(mu_);
    active_.erase(c);
  }

  // Polls the user's stop flag and turns it into a halt plus query cancels.
  void Watch() {
    std::unique_lock<std::mutex> l(mu_);
    while (!finished_) {
      if (in_.opts->stop && in_.opts->stop->load() && !halt_) {
        halt_ = true;
        CancelAllLocked();
        cv_.notify_all();
      }
      cv_.wait_for(l, std::chrono::milliseconds(100));
    }
  }

  void CopyWorker() {
    const CloneOptions& o = *in_.opts;
    auto src = OpenSource(o.source, in_.encoding);
    auto dst = src.ok() ? OpenTarget(o.target, in_.encoding) : Result<pg::Connection>(src.error());
    if (!dst.ok()) {
      Fail(dst.TakeError());
      CopyWorkerDone();
      return;
    }
    Register(&*src);
    Register(&*dst);
    const char* fmt = std::getenv("HIKKOSHI_COPY_FORMAT");
    CopyContext ctx;
    ctx.snapshot = in_.snapshot;
    ctx.lock_timeout_ms = o.lock_timeout_ms;
    ctx.state = in_.state;
    ctx.stop = &halt_;
    ctx.force_text = fmt && std::string(fmt) == "text";
    ctx.force_binary = fmt && std::string(fmt) == "binary";
    ctx.on_bytes = [this](int64_t n) {
      in_.progress->AddBytes(n);
      CrashPoint("copy-bytes");  // a kill in the middle of a COPY stream
    };
    for (;;) {
      PartRow p;
      {
        std::lock_guard<std::mutex> l(mu_);
        if (halt_ || parts_.empty()) break;
        p = parts_.front();
        parts_.pop_front();
      }
      const TableInfo& t = in_.tables.at(p.table_oid);
      int total = in_.parts_total.at(p.table_oid);
      auto t0 = Clock::now();
      bool binary = false;
      in_.progress->PartStarted(t.Qualified(), t.bytes / std::max(1, total));
      auto stats = CopyPart(*src, *dst, t, p, total, ctx, &binary);
      in_.progress->PartFinished();
      if (!stats.ok()) {
        Error e = stats.TakeError();
        if (e.kind != ErrorKind::kInterrupted) e.message = "copying " + t.Qualified() + ": " + e.message;
        Fail(std::move(e));
        break;
      }
      in_.progress->AddRows(stats->rows);
      std::string part = total > 1 ? " part " + std::to_string(p.part + 1) + "/" + std::to_string(total) : "";
      in_.progress->Event(fmt::format("copied {}{} ({}): {} rows, {} in {}", t.Qualified(), part,
                                      binary ? "binary" : "text", stats->rows,
                                      HumanBytes(static_cast<double>(stats->bytes)), HumanDuration(Since(t0))));
      std::lock_guard<std::mutex> l(mu_);
      result_.rows += stats->rows;
      result_.bytes += stats->bytes;
      if (--in_.parts_remaining[p.table_oid] == 0) {
        in_.progress->TableDone(t.bytes);
        QueueIndexesLocked(p.table_oid);
        cv_.notify_all();
      }
    }
    Unregister(&*src);
    Unregister(&*dst);
    CopyWorkerDone();
  }

  void CopyWorkerDone() {
    std::lock_guard<std::mutex> l(mu_);
    if (--copy_workers_left_ == 0) copy_end_ = Clock::now();
    cv_.notify_all();
  }

  // A task with index_oid 0 is the table's ANALYZE, queued once its last
  // index is built (ANALYZE and CREATE INDEX on one table would block each
  // other anyway). "indexes_done" in the state file means both.
  void QueueIndexesLocked(int64_t table_oid) {
    auto it = in_.indexes.find(table_oid);
    if (it == in_.indexes.end() || it->second.empty()) {
      QueueAnalyzeLocked(table_oid);
      return;
    }
    index_left_[table_oid] = static_cast<int>(it->second.size());
    for (const auto& ix : it->second) index_queue_.push_back(ix);
  }

  void QueueAnalyzeLocked(int64_t table_oid) {
    IndexInfo a;
    a.table_oid = table_oid;
    a.table_qualified = in_.tables.at(table_oid).Qualified();
    index_queue_.push_back(a);
    cv_.notify_all();
  }

  void IndexWorker() {
    auto dst = OpenTarget(in_.opts->target, in_.encoding, "hikkoshi clone (indexes)");
    if (!dst.ok()) {
      Fail(dst.TakeError());
      return;
    }
    Register(&*dst);
    for (;;) {
      IndexInfo ix;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [this] { return halt_ || !index_queue_.empty() || copy_workers_left_ == 0; });
        if (halt_) break;
        if (index_queue_.empty()) break;  // copies done and nothing left
        ix = index_queue_.front();
        index_queue_.pop_front();
        if (!index_started_) {
          index_started_ = true;
          index_start_ = Clock::now();
        }
      }
      auto t0 = Clock::now();
      if (ix.index_oid == 0) {
        Status s = dst->Run("ANALYZE " + ix.table_qualified);
        if (s.ok()) s = in_.state->SetIndexesDone(ix.table_oid);
        if (!s.ok()) {
          Error e = s.TakeError();
          if (e.kind != ErrorKind::kInterrupted) e.message = "analyzing " + ix.table_qualified + ": " + e.message;
          Fail(std::move(e));
          break;
        }
        std::lock_guard<std::mutex> l(mu_);
        index_end_ = Clock::now();
        continue;
      }
      Status s = BuildIndex(*dst, ix);
      if (!s.ok()) {
        Error e = s.TakeError();
        if (e.kind != ErrorKind::kInterrupted) e.message = "building index " + ix.name + ": " + e.message;
        Fail(std::move(e));
        break;
      }
      in_.progress->Event(fmt::format("built index {} on {} in {}", pg::QuoteIdent(ix.name),
                                      ix.table_qualified, HumanDuration(Since(t0))));
      std::lock_guard<std::mutex> l(mu_);
      ++result_.indexes_built;
      index_end_ = Clock::now();
      if (--index_left_[ix.table_oid] == 0) QueueAnalyzeLocked(ix.table_oid);
    }
    Unregister(&*dst);
  }

  Status BuildIndex(pg::Connection& dst, const IndexInfo& ix) {
    // The target's catalog, not only the state file, says what is done: after
    // a kill between a COMMIT and the state update the index (and maybe its
    // constraint) is already there. A valid index is kept; an invalid one
    // (a failed build) is dropped and built again. (Sessions a killed run
    // left running were ended before the pool started.)
    const std::string qname = pg::QualifiedName(ix.nspname, ix.name);
    const int64_t started_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    HK_ASSIGN_OR_RETURN(std::string valid,
                        dst.QueryValue("SELECT coalesce((SELECT i.indisvalid::text FROM pg_index i"
                                       " WHERE i.indexrelid = to_regclass($1)), 'missing')",
                                       {qname}));
    if (valid == "false") {
      LogWarn("index {} exists on the target but is invalid; building it again", qname);
      HK_RETURN_IF_ERROR(dst.Run("DROP INDEX " + qname));
      valid = "missing";
    }
    const std::string exists = valid == "missing" ? "f" : "t";
    if (valid == "missing") {
      Status s = dst.Run(IndexCreateSql(ix));
      // 42P07: a build orphaned by a killed earlier run committed meanwhile.
      if (!s.ok() && s.error().sqlstate != "42P07") return s;
      CrashPoint("index-commit");
    }
    std::string attach = IndexAttachSql(ix);
    if (!attach.empty()) {
      bool need = true;
      if (ix.constraint_oid != 0 && exists == "t") {
        auto has = dst.QueryValue("SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass"
                                  " AND conname = $2",
                                  {ix.table_qualified, ix.conname});
        if (!has.ok()) return has.TakeError();
        need = has.value() == "0";
      }
      if (need) {
        HK_ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(dst));
        HK_RETURN_IF_ERROR(dst.Run(attach));
        HK_RETURN_IF_ERROR(tx.Commit());
      }
    }
    return in_.state->SetIndexDone(ix.index_oid, ix.table_oid, ix.name, started_ms);
  }

  PoolInput in_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PartRow> parts_;
  std::deque<IndexInfo> index_queue_;
  std::map<int64_t, int> index_left_;
  std::set<const pg::Connection*> active_;
  std::atomic<bool> halt_{false};
  bool finished_ = false;
  int copy_workers_left_ = 0;
  Status error_;
  PoolResult result_;
  Clock::time_point start_, copy_end_, index_start_, index_end_;
  bool index_started_ = false;
};

}  // namespace

Result<PoolResult> RunCopyPool(PoolInput in) {
  Pool pool(std::move(in));
  return pool.Run();
}

}  // namespace hk::clone
