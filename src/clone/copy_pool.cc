#include "clone/copy_pool.h"

#include <algorithm>
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

  // A task with index_oid 0 finishes a table once its last index is built:
  // the deferred ADD CONSTRAINT ... USING INDEX / REPLICA IDENTITY / CLUSTER
  // ON (an ALTER TABLE's lock waits for every sibling CREATE INDEX on the
  // table, so run right after its own build it would hold an index builder
  // idle behind a longer build), then ANALYZE (which would block CREATE
  // INDEX too). "indexes_done" in the state file means all of it.
  void QueueIndexesLocked(int64_t table_oid) {
    auto it = in_.indexes.find(table_oid);
    if (it == in_.indexes.end() || it->second.empty()) {
      QueueFinishLocked(table_oid);
      return;
    }
    index_left_[table_oid] = static_cast<int>(it->second.size());
    for (const auto& ix : it->second) QueueTaskLocked(ix);
    cv_.notify_all();
  }

  void QueueFinishLocked(int64_t table_oid) {
    IndexInfo a;
    a.table_oid = table_oid;
    a.table_qualified = in_.tables.at(table_oid).Qualified();
    QueueTaskLocked(a);
    cv_.notify_all();
  }

  // Longest first: tasks of larger tables go ahead of those of smaller ones
  // (first come, first served among equals), so a big table's builds never
  // wait behind short ones and start while the small tables' still can fill
  // the other builders (longest-processing-time-first scheduling).
  void QueueTaskLocked(const IndexInfo& task) {
    const int64_t bytes = in_.tables.at(task.table_oid).bytes;
    auto pos = std::find_if(index_queue_.begin(), index_queue_.end(), [&](const IndexInfo& q) {
      return in_.tables.at(q.table_oid).bytes < bytes;
    });
    index_queue_.insert(pos, task);
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
        std::vector<Built> attach;
        {
          std::lock_guard<std::mutex> l(mu_);
          attach.swap(pending_attach_[ix.table_oid]);
        }
        Status s = Status::Ok();
        for (const auto& a : attach) {
          s = AttachIndex(*dst, a.ix, a.started_ms);
          if (!s.ok()) {
            Error e = s.TakeError();
            if (e.kind != ErrorKind::kInterrupted) e.message = "attaching index " + a.ix.name + ": " + e.message;
            s = Status(std::move(e));
            break;
          }
        }
        if (s.ok()) {
          s = dst->Run("ANALYZE " + ix.table_qualified);
          if (s.ok()) s = in_.state->SetIndexesDone(ix.table_oid);
          if (!s.ok()) {
            Error e = s.TakeError();
            if (e.kind != ErrorKind::kInterrupted) e.message = "analyzing " + ix.table_qualified + ": " + e.message;
            s = Status(std::move(e));
          }
        }
        if (!s.ok()) {
          Fail(s.TakeError());
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
      if (--index_left_[ix.table_oid] == 0) QueueFinishLocked(ix.table_oid);
    }
    Unregister(&*dst);
  }

  // Builds one index; one that backs a constraint (or is the replica
  // identity or clustered) is recorded done only once attached, by the
  // table's finish task.
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
    if (valid == "missing") {
      HK_RETURN_IF_ERROR(dst.Run("SET maintenance_work_mem = '" +
                                 std::to_string(IndexSortMemoryKb(in_.tables.at(ix.table_oid).bytes,
                                                                  in_.opts->index_jobs)) +
                                 "kB'"));
      Status s = dst.Run(IndexCreateSql(ix));
      // 42P07: a build orphaned by a killed earlier run committed meanwhile.
      if (!s.ok() && s.error().sqlstate != "42P07") return s;
      CrashPoint("index-commit");
    }
    if (!IndexAttachSql(ix).empty()) {
      std::lock_guard<std::mutex> l(mu_);
      pending_attach_[ix.table_oid].push_back(Built{ix, started_ms});
      return Status::Ok();
    }
    return in_.state->SetIndexDone(ix.index_oid, ix.table_oid, ix.name, started_ms);
  }

  // ADD CONSTRAINT ... USING INDEX (and REPLICA IDENTITY, CLUSTER ON) in one
  // transaction, unless a killed earlier run committed it already.
  Status AttachIndex(pg::Connection& dst, const IndexInfo& ix, int64_t started_ms) {
    bool need = true;
    if (ix.constraint_oid != 0) {
      // (Not HK_ASSIGN_OR_RETURN: GCC 12 then warns maybe-uninitialized.)
      auto has = dst.QueryValue("SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass"
                                " AND conname = $2",
                                {ix.table_qualified, ix.conname});
      if (!has.ok()) return has.TakeError();
      need = has.value() == "0";
    }
    if (need) {
      HK_ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(dst));
      HK_RETURN_IF_ERROR(dst.Run(IndexAttachSql(ix)));
      HK_RETURN_IF_ERROR(tx.Commit());
      CrashPoint("index-attached");
    }
    return in_.state->SetIndexDone(ix.index_oid, ix.table_oid, ix.name, started_ms);
  }

  PoolInput in_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PartRow> parts_;
  std::deque<IndexInfo> index_queue_;
  std::map<int64_t, int> index_left_;
  struct Built {
    IndexInfo ix;
    int64_t started_ms = 0;
  };
  std::map<int64_t, std::vector<Built>> pending_attach_;  ///< Built, not yet attached.
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

int64_t IndexSortMemoryKb(int64_t table_bytes, int index_jobs) {
  constexpr int64_t kFloorKb = 256 << 10;  // what every target session sets
  constexpr int64_t kTotalKb = 2 << 20;    // all index builders together
  const int64_t cap = std::max(kFloorKb, std::min<int64_t>(1 << 20, kTotalKb / std::max(1, index_jobs)));
  // A B-tree build's in-memory sort takes ~50-60 bytes per row for a narrow
  // key (SortTuple + index tuple + chunk header), about the heap's own
  // bytes per row of a narrow table; a quarter more plus 16 MB covers wider keys.
  const int64_t want = table_bytes / 1024 + table_bytes / 4096 + (16 << 10);
  return std::clamp(want, kFloorKb, cap);
}

Result<PoolResult> RunCopyPool(PoolInput in) {
  Pool pool(std::move(in));
  return pool.Run();
}

}  // namespace hk::clone
