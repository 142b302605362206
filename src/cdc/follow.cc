#include "cdc/follow.h"

#include <sys/select.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "cdc/apply.h"
#include "cdc/apply_mode.h"
#include "cdc/follow_state.h"
#include "cdc/pgoutput.h"
#include "cdc/publication.h"
#include "cdc/slot.h"
#include "cdc/stream.h"
#include "cdc/target_table.h"
#include "cdc/trigger_guard.h"
#include "common/log.h"
#include "common/retry.h"
#include "pg/connection.h"
#include "pg/error.h"
#include "status/history.h"
#include "pg/startup_options.h"

namespace hk::cdc {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

int64_t UnixMsNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Worth a reconnect: an outage (lost connection, server restart, too many
// connections, serialization failure; common/retry.h), or the slot/origin
// still held by a dying session. Anything else (a statement timeout, a full
// disk, a refused row) would fail the same way again: stop and say so (#14).
bool Retryable(const Error& e) { return IsTransient(e) || e.sqlstate == "55006"; }

class Follower {
 public:
  explicit Follower(const FollowOptions& o) : o_(o) {}
  Result<FollowResult> Run();

 private:
  Result<FollowResult> Loop();
  /// On the first session: records the modes, and disables the user triggers
  /// (disable-triggers) or restores ones a killed run left disabled.
  Status FirstSession(const Applier& a);
  /// Gives the target its triggers back when this run disabled them.
  Status RestoreTriggers();
  /// A session on the target for ALTER TABLE ... TRIGGER.
  Result<pg::Connection> OpenTriggerSession();
  /// One connected session; returns true when the stop condition was reached.
  Result<bool> Session();
  Status Dispatch(Applier& a, std::string_view payload);
  Result<Lsn> ProbeSourcePosition();
  void SampleSource();
  Status CheckNewTables(bool now);
  void WriteState(const Applier* a, const char* phase, bool force);
  bool Stopping() const { return o_.stop && o_.stop->load(); }

  FollowOptions o_;
  FollowState st_;
  std::optional<Lsn> target_lsn_;
  Lsn walend_ = 0, received_ = 0, reported_flush_ = 0;
  bool skipping_ = false;
  pg::Connection stats_conn_;
  Clock::time_point last_state_ = Clock::now() - std::chrono::hours(1);
  Clock::time_point last_sample_ = Clock::now() - std::chrono::hours(1);
  Clock::time_point last_table_check_ = Clock::now();
  int64_t rate_txns_ = 0, rate_rows_ = 0;
  Clock::time_point rate_at_ = Clock::now();
  int64_t base_txns_ = 0, base_rows_ = 0;  // totals of finished sessions
  bool ever_connected_ = false;
  std::string last_saved_phase_;
  std::optional<Clock::time_point> in_use_since_;
  bool modes_recorded_ = false, triggers_off_ = false;
  int stalled_pid_ = 0;  ///< Backend of a replication connection given up as stalled.
  bool heard_ = false;   ///< The last session received a message: the outage is new.
};

Result<pg::Connection> Follower::OpenTriggerSession() {
  pg::ConnectOptions co;
  co.application_name = "hikkoshi follow";
  // The database's own timeouts (carried over by clone) must not cut ALTER
  // TABLE; switched off at connection start (see kNoTimeoutOptions).
  pg::ConnInfo ci = pg::WithStartupOptions(o_.target, kNoTimeoutOptions);
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(ci, co));
  return c;
}

Status Follower::FirstSession(const Applier& a) {
  if (modes_recorded_) return Status::Ok();
  const ApplyModes& m = a.modes();
  LogInfo("{}", m.Describe());
  HK_ASSIGN_OR_RETURN(pg::Connection c, OpenTriggerSession());
  if (m.triggers == kTriggersDisable) {
    HK_ASSIGN_OR_RETURN(int n, DisableUserTriggers(c, o_.workdir));
    triggers_off_ = true;
    LogInfo("disabled {} user trigger(s) on the target while following (recorded in {})", n,
            TriggerRecordPath(o_.workdir));
  } else {
    HK_ASSIGN_OR_RETURN(int n, RestoreUserTriggers(c, o_.workdir));
    if (n > 0) LogInfo("re-enabled {} user trigger(s) an earlier follow had disabled", n);
  }
  st_.apply_mode = m.progress;
  st_.trigger_mode = m.triggers;
  modes_recorded_ = true;
  return SaveFollowState(o_.workdir, st_, true);
}

Status Follower::RestoreTriggers() {
  if (!triggers_off_) return Status::Ok();
  Status last = Status::Ok();
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto c = OpenTriggerSession();
    if (c.ok()) {
      // Only while no other follower of this slot applies there (one started
      // while this one was reconnecting owns the triggers' state now).
      auto lock = c->Exec(kApplierLockSql, {st_.slot});
      if (lock.ok() && !lock->Bool(0, 0)) {
        LogInfo(
            "another follower applies for slot {}: it keeps the target's user triggers disabled",
            st_.slot);
        triggers_off_ = false;
        return Status::Ok();
      }
      auto n = RestoreUserTriggers(*c, o_.workdir);
      if (n.ok()) {
        LogInfo("re-enabled {} user trigger(s) on the target", *n);
        triggers_off_ = false;
        return Status::Ok();
      }
      last = n.TakeError();
    } else {
      last = c.TakeError();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  Error e = last.TakeError();
  e.hint =
      "the user triggers stay disabled on the target: `hikkoshi follow` or `hikkoshi cleanup` "
      "re-enables them from " +
      TriggerRecordPath(o_.workdir);
  return std::move(e).Context("re-enabling the target's user triggers");
}

Result<Lsn> Follower::ProbeSourcePosition() {
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(o_.source));
  // A tiny WAL record the walsender must pass: "caught up" is then exact.
  auto r = c.QueryValue("SELECT pg_logical_emit_message(false, 'hikkoshi', 'caught-up probe')");
  if (!r.ok()) r = c.QueryValue("SELECT pg_current_wal_lsn()");
  if (!r.ok()) return r.TakeError();
  auto lsn = ParseLsn(*r);
  if (!lsn) return MakeError(ErrorKind::kInternal, "bad LSN from source: " + *r);
  return *lsn;
}

void Follower::SampleSource() {
  if (MsSince(last_sample_) < 5000) return;
  last_sample_ = Clock::now();
  if (!stats_conn_.Healthy()) {
    pg::ConnectOptions co;
    co.application_name = "hikkoshi follow stats";
    co.connect_timeout_s = 5;
    auto c = pg::Connection::Open(o_.source, co);
    if (!c.ok()) return;
    stats_conn_ = std::move(c).value();
  }
  // Asynchronously, with a deadline: a stalled path to the source must not
  // stall the follow loop with it (the stall watchdog runs in that loop).
  const char* sql =
      "SELECT pg_current_wal_lsn(), "
      "(SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint FROM "
      "pg_replication_slots WHERE slot_name = $1), "
      "(SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1)";
  PGconn* pc = stats_conn_.raw();
  const char* params[1] = {st_.slot.c_str()};
  if (!PQsendQueryParams(pc, sql, 1, nullptr, params, nullptr, nullptr, 0)) {
    stats_conn_ = pg::Connection();
    return;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (PQisBusy(pc)) {
    int64_t left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      stats_conn_ = pg::Connection();  // given up: a new connection next time
      return;
    }
    int fd = PQsocket(pc);
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(fd, &rs);
    timeval tv{static_cast<time_t>(left / 1000), static_cast<suseconds_t>((left % 1000) * 1000)};
    if (select(fd + 1, &rs, nullptr, nullptr, &tv) < 0 && errno != EINTR) {
      stats_conn_ = pg::Connection();
      return;
    }
    if (!PQconsumeInput(pc)) {
      stats_conn_ = pg::Connection();
      return;
    }
  }
  PGresult* res = PQgetResult(pc);
  bool good = res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
  if (good) {
    if (auto l = ParseLsn(PQgetvalue(res, 0, 0))) st_.source_current_lsn = *l;
    st_.slot_retained_bytes = PQgetisnull(res, 0, 1) ? -1 : std::atoll(PQgetvalue(res, 0, 1));
    st_.slot_wal_status = PQgetvalue(res, 0, 2);
  }
  if (res) PQclear(res);
  while (PGresult* more = PQgetResult(pc)) PQclear(more);
  if (!good) stats_conn_ = pg::Connection();
}

// A publication by table list does not grow with the schema: a table created
// on the source after the setup is a schema change follow must not miss.
Status Follower::CheckNewTables(bool now) {
  if (st_.publication_tables != "listed") return Status::Ok();
  if (!now && MsSince(last_table_check_) < 5000) return Status::Ok();
  last_table_check_ = Clock::now();
  if (!stats_conn_.Healthy()) {
    pg::ConnectOptions co;
    co.application_name = "hikkoshi follow stats";
    co.connect_timeout_s = 5;
    auto c = pg::Connection::Open(o_.source, co);
    if (!c.ok()) return Status::Ok();  // the stream's own reconnects deal with it
    stats_conn_ = std::move(c).value();
  }
  auto r = UnpublishedNewTables(stats_conn_, st_.publication, st_.left_out);
  if (!r.ok()) {
    stats_conn_ = pg::Connection();
    return Status::Ok();
  }
  if (!r->empty()) return NewTablesError(st_.publication, *r);
  return Status::Ok();
}

void Follower::WriteState(const Applier* a, const char* phase, bool force) {
  if (!force && MsSince(last_state_) < std::max(o_.status_interval_ms, 200)) return;
  last_state_ = Clock::now();
  SampleSource();
  st_.phase = phase;
  st_.pid = getpid();
  st_.updated_at = NowIso8601();
  st_.updated_unix_ms = UnixMsNow();
  st_.received_lsn = std::max(received_, walend_);
  st_.applied_lsn = reported_flush_;
  if (a) {
    int64_t txns = base_txns_ + a->txns_applied(), rows = base_rows_ + a->rows_applied();
    double dt = std::max<double>(1, static_cast<double>(MsSince(rate_at_))) / 1000.0;
    st_.apply_txn_per_s = static_cast<double>(txns - rate_txns_) / dt;
    st_.apply_rows_per_s = static_cast<double>(rows - rate_rows_) / dt;
    rate_txns_ = txns;
    rate_rows_ = rows;
    rate_at_ = Clock::now();
    st_.txns_applied = txns;
    st_.rows_applied = rows;
    int64_t now_ms = UnixMsNow();
    const ApplyWindow& w = a->window();
    st_.lag_p50_ms_1m = w.LagPercentileMs(now_ms, 0.50);
    st_.lag_p99_ms_1m = w.LagPercentileMs(now_ms, 0.99);
    st_.apply_txn_per_s_1m = w.TxnsPerSecond(now_ms);
    st_.apply_rows_per_s_1m = w.RowsPerSecond(now_ms);
    Lsn head = std::max({st_.source_current_lsn, walend_, received_});
    st_.lag_bytes = head > reported_flush_ ? static_cast<int64_t>(head - reported_flush_) : 0;
    bool idle = !a->batch_open() && st_.lag_bytes == 0;
    if (a->committed_ts() > 0) {
      int64_t commit_unix_us = PgEpochToUnixMicros(a->committed_ts());
      st_.last_commit_time = fmt::format("{}", commit_unix_us);  // unix microseconds
      st_.commit_lag_s = idle ? 0.0
                              : std::max(0.0, static_cast<double>(UnixMsNow() * 1000 - commit_unix_us) / 1e6);
    } else {
      st_.commit_lag_s = idle ? 0.0 : -1.0;
    }
  }
  bool phase_changed = st_.phase != last_saved_phase_;
  last_saved_phase_ = st_.phase;
  auto s = SaveFollowState(o_.workdir, st_, force || phase_changed);
  if (!s.ok()) LogWarn("{}", s.error().message);
  status::AppendFollowSample(o_.workdir, st_);  // lag over time, for the report
}

Status Follower::Dispatch(Applier& a, std::string_view payload) {
  HK_ASSIGN_OR_RETURN(PgoutputMessage msg, DecodePgoutput(payload));
  return std::visit(
      [&](auto& m) -> Status {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, BeginMsg>) {
          // Applied before a crash (its end is at or below the origin's): skip it.
          skipping_ = m.final_lsn < a.progress();
          if (skipping_) return Status::Ok();
          return a.OnBegin(m);
        } else if constexpr (std::is_same_v<T, CommitMsg>) {
          if (skipping_) {
            skipping_ = false;
            return Status::Ok();
          }
          HK_RETURN_IF_ERROR(a.OnCommit(m));
          if (a.batch_txns() >= o_.max_batch_txns) return a.CommitBatch(false);
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, RelationMsg>) {
          return a.OnRelation(m);
        } else if constexpr (std::is_same_v<T, TypeMsg>) {
          a.OnType(m);
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, InsertMsg>) {
          return skipping_ ? Status::Ok() : a.OnInsert(m);
        } else if constexpr (std::is_same_v<T, UpdateMsg>) {
          return skipping_ ? Status::Ok() : a.OnUpdate(m);
        } else if constexpr (std::is_same_v<T, DeleteMsg>) {
          return skipping_ ? Status::Ok() : a.OnDelete(m);
        } else if constexpr (std::is_same_v<T, TruncateMsg>) {
          return skipping_ ? Status::Ok() : a.OnTruncate(m);
        } else {
          return Status::Ok();  // Origin, Message: nothing to apply
        }
      },
      msg);
}

Result<bool> Follower::Session() {
  ApplierOptions ao;
  ao.origin = st_.origin;
  ao.slot = st_.slot;
  ao.apply_mode = o_.apply_mode;
  ao.trigger_mode = o_.trigger_mode;
  ao.recorded_mode = st_.apply_mode;
  HK_ASSIGN_OR_RETURN(Applier a, Applier::Open(o_.target, ao));
  HK_RETURN_IF_ERROR(FirstSession(a));
  // Totals survive reconnects: add this session's work however it ends.
  struct CountOnExit {
    Follower* f;
    Applier* a;
    ~CountOnExit() {
      f->base_txns_ += a->txns_applied();
      f->base_rows_ += a->rows_applied();
    }
  } count_on_exit{this, &a};
  pg::ConnectOptions co;
  co.replication = true;
  co.application_name = "hikkoshi follow";
  pg::ConnInfo src = pg::WithStartupOptions(o_.source, kStableTextOptions);
  HK_ASSIGN_OR_RETURN(pg::Connection repl, pg::Connection::Open(src, co));
  ever_connected_ = true;
  HK_RETURN_IF_ERROR(CheckNewTables(true));
  if (o_.until_caught_up && !target_lsn_) {
    HK_ASSIGN_OR_RETURN(Lsn probe, ProbeSourcePosition());
    target_lsn_ = probe;
    LogInfo("following until caught up with the source at {}", FormatLsn(probe));
  }
  Lsn start = a.progress();
  // Positions heard in an earlier session may cover work that was never
  // committed; only this session's messages count from here on.
  walend_ = received_ = 0;
  auto started = ReplicationStream::Start(repl, st_.slot, start, st_.publication);
  if (!started.ok()) {
    Error e = started.TakeError();
    if (e.sqlstate == "42704" && e.message.find("slot") != std::string::npos)
      return BlockedError("replication slot " + st_.slot + " no longer exists on the source (" + e.message + ")",
                     "changes since then are lost to this target: run `hikkoshi cleanup`, then clone again with --follow");
    if (e.sqlstate == "55000")
      return BlockedError("replication slot " + st_.slot + " can no longer be used: " + e.message,
                     "the source removed WAL the target still needed (max_slot_wal_keep_size?): run `hikkoshi cleanup`, then clone again with --follow");
    return e;
  }
  ReplicationStream stream = std::move(started).value();
  reported_flush_ = std::max(reported_flush_, start);
  skipping_ = false;
  LogInfo("streaming from slot {} at {}", st_.slot, FormatLsn(start));
  auto last_status = Clock::now();
  auto last_probe_reply = Clock::now();
  // Stall watchdog: a half-open connection (a dead path, a frozen proxy)
  // shows no error, only silence. Past half the timeout without a message or
  // keepalive, ask the source for a reply; past all of it, reconnect.
  auto last_heard = Clock::now();
  auto last_ping = Clock::now();
  auto batch_started = Clock::now();
  bool force_status = true;

  while (true) {
    if (Stopping()) {
      if (a.batch_open() && !a.in_source_txn()) HK_RETURN_IF_ERROR(a.CommitBatch(true));
      a.RollbackBatch();
      HK_RETURN_IF_ERROR(a.Poll(true));
      reported_flush_ = std::max(reported_flush_, a.committed_lsn());
      (void)stream.SendStatus(std::max(received_, reported_flush_), reported_flush_, reported_flush_, false);
      WriteState(&a, "stopped", true);
      return MakeError(ErrorKind::kInterrupted, "stopped by a signal; run `hikkoshi follow` again to continue");
    }
    bool can_commit = a.batch_open() && !a.in_source_txn();
    if (!a.batch_open()) batch_started = Clock::now();
    // With whole transactions in the batch, wait only briefly for more: the
    // stream often pauses for a moment between transactions, and committing
    // at every pause makes batches tiny. Past 50 ms, commit at the next pause.
    int wait = !can_commit ? (a.inflight() > 0 ? 2 : 100) : (MsSince(batch_started) < 50 ? 2 : 0);
    HK_ASSIGN_OR_RETURN(StreamEvent ev, stream.Next(wait));
    if (ev.type != StreamEvent::kTimeout) {
      last_heard = Clock::now();
      heard_ = true;
    }
    if (ev.type == StreamEvent::kTimeout) {
      // Nothing more right now: make the batch durable.
      if (can_commit) HK_RETURN_IF_ERROR(a.CommitBatch(false));
      const int stall = o_.stall_timeout_ms;
      if (stall > 0 && MsSince(last_heard) >= stall) {
        stalled_pid_ = PQbackendPID(repl.raw());
        Error e = MakeError(ErrorKind::kConnection,
                            fmt::format("no message and no keepalive from the source for {} s (a "
                                        "half-open connection or a stalled network path)",
                                        MsSince(last_heard) / 1000));
        return e;
      }
      if (stall > 0 && MsSince(last_heard) >= stall / 2 && MsSince(last_ping) >= stall / 4) {
        Lsn write = std::max({received_, walend_, reported_flush_});
        HK_RETURN_IF_ERROR(stream.SendStatus(write, reported_flush_, reported_flush_, true));
        last_ping = Clock::now();
      }
    } else if (ev.type == StreamEvent::kKeepalive) {
      walend_ = std::max(walend_, ev.keepalive.wal_end);
      force_status = force_status || ev.keepalive.reply_requested;
    } else {
      received_ = std::max(received_, ev.data.wal_end);
      HK_RETURN_IF_ERROR(Dispatch(a, ev.data.payload));
    }

    // What the source may forget: committed work, or everything it sent when
    // nothing is pending here (e.g. changes to tables we do not publish).
    if (a.inflight() > 0) HK_RETURN_IF_ERROR(a.Poll(false));  // pipelined COMMITs confirmed?
    Lsn flush = a.committed_lsn();
    if (!a.batch_open() && !a.in_source_txn() && a.inflight() == 0) flush = std::max(flush, walend_);
    reported_flush_ = std::max(reported_flush_, flush);

    bool done = (target_lsn_ && reported_flush_ >= *target_lsn_) ||
                (o_.until_lsn && reported_flush_ >= *o_.until_lsn);
    bool waiting_idle = (target_lsn_ || o_.until_lsn) && ev.type == StreamEvent::kTimeout &&
                        !a.batch_open() && MsSince(last_probe_reply) >= 200;
    if (force_status || done || waiting_idle || MsSince(last_status) >= o_.status_interval_ms) {
      Lsn write = std::max({received_, walend_, reported_flush_});
      HK_RETURN_IF_ERROR(stream.SendStatus(write, reported_flush_, reported_flush_, waiting_idle));
      last_status = Clock::now();
      if (waiting_idle) last_probe_reply = Clock::now();
      force_status = false;
    }
    WriteState(&a, done ? "caught-up" : "following", done);
    if (done) return true;
    HK_RETURN_IF_ERROR(CheckNewTables(false));
  }
}

Result<FollowResult> Follower::Run() {
  auto r = Loop();
  Status restored = RestoreTriggers();
  if (!restored.ok()) {
    LogWarn("{}", restored.error().message);
    if (r.ok() || r.error().kind == ErrorKind::kInterrupted) return restored.TakeError();
  }
  return r;
}

Result<FollowResult> Follower::Loop() {
  HK_ASSIGN_OR_RETURN(st_, LoadFollowState(o_.workdir));
  if (st_.phase == "cleaned-up")
    return MakeError(ErrorKind::kBadInput, "the follow setup in " + o_.workdir + " was cleaned up",
                     "clone again with --follow to start over");
  if (st_.copy == "pending") {
    // Following would report "caught up" over a target missing the rows the
    // interrupted copy never wrote (#10.4).
    return BlockedError("the initial copy did not finish; rerun `hikkoshi clone --follow --resume`", "");
  }
  st_.target = o_.target.Redacted();
  int attempt = 0;
  std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0, 1);
  while (true) {
    auto began = Clock::now();
    auto r = Session();
    if (r.ok()) {
      FollowResult out;
      out.applied_lsn = reported_flush_;
      out.txns_applied = base_txns_;
      out.rows_applied = base_rows_;
      return out;
    }
    Error e = r.TakeError();
    if (e.kind == ErrorKind::kInterrupted || Stopping()) {
      if (e.kind != ErrorKind::kInterrupted)
        e = MakeError(ErrorKind::kInterrupted, "stopped by a signal; run `hikkoshi follow` again to continue");
      return e;
    }
    st_.last_error = pg::Describe(e);
    if (!Retryable(e) || (!ever_connected_ && e.during_connect)) {
      if (ever_connected_ && e.kind == ErrorKind::kRetryable)
        LogError("follow: {}; not a transient failure (retrying would repeat it): stopping",
                 pg::Describe(e));
      WriteState(nullptr, "error", true);
      return e;
    }
    // A slot or origin held for long is another follower, not a dying one.
    if (e.sqlstate != "55006") in_use_since_.reset();
    else if (!in_use_since_) in_use_since_ = Clock::now();
    else if (MsSince(*in_use_since_) > 30000) {
      e.hint = "another `hikkoshi follow` for this work directory seems to be running; stop it first";
      WriteState(nullptr, "error", true);
      return e;
    }
    if (heard_ || MsSince(began) > 30000) attempt = 0;  // it worked for a while: a new outage
    heard_ = false;
    ++attempt;
    auto delay = BackoffDelay(attempt, jitter(rng));
    delay = std::min(delay, std::chrono::milliseconds(10000));
    LogWarn("follow: {}; transient, reconnecting in {} (retry {})", pg::Describe(e),
            RetryDelayText(delay), attempt);
    WriteState(nullptr, "reconnecting", true);
    for (auto waited = std::chrono::milliseconds(0); waited < delay && !Stopping();
         waited += std::chrono::milliseconds(50))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (stalled_pid_ != 0) {
      // The source may not have noticed that connection is dead (it keeps the
      // slot active until wal_sender_timeout): end that walsender, so the
      // slot is free for the new connection.
      auto c = pg::Connection::Open(o_.source, {.application_name = "hikkoshi follow (watchdog)"});
      if (c.ok()) {
        auto ended = c->QueryValue(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid = $1::int"
            " AND application_name = 'hikkoshi follow'",
            {std::to_string(stalled_pid_)});
        if (ended.ok() && *ended != "0")
          LogWarn("follow: ended the stalled walsender (pid {}) that still held slot {}",
                  stalled_pid_, st_.slot);
        stalled_pid_ = 0;
      }
    }
  }
}

}  // namespace

Result<FollowResult> RunFollow(const FollowOptions& opts) { return Follower(opts).Run(); }

}  // namespace hk::cdc
