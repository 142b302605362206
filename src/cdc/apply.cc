#include "cdc/apply.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "cdc/progress_table.h"
#include "common/log.h"
#include "pg/error.h"
#include "pg/quote.h"
#include "pg/startup_options.h"

namespace hk::cdc {
namespace {

// Where to take the row's identity from, and how to match it.
struct Match {
  const TupleData* tuple = nullptr;
  bool full = false;  // REPLICA IDENTITY FULL: all old columns, one row only.
};

std::string Mask(const TupleData& t) {
  std::string m;
  for (const auto& c : t) m.push_back(c.kind == 'u' ? 'u' : (c.kind == 'n' ? 'n' : 'v'));
  return m;
}

// For key matching: key columns; for FULL: every column the old tuple carries.
bool UseInWhere(const TargetTable& t, const Match& m, size_t i) {
  if (m.full) return (*m.tuple)[i].kind != 'u';
  return t.rel.columns[i].key;
}

// A value parameter of FULL matching (NULLs are matched by IS NULL instead).
bool WhereParam(const TargetTable& t, const Match& m, size_t i) {
  return UseInWhere(t, m, i) && !(m.full && (*m.tuple)[i].kind == 'n');
}

// WHERE clause (key mode) or the condition that picks one row (FULL mode).
// FULL matching compares text forms: a type's `=` calls near-duplicates equal
// (numeric 1.0 and 1.00, interval '1 day' and '24 hours', -0 and 0, citext
// 'A' and 'a') and could pick the wrong row. `col = $n` stays in front where
// the type has one, so an index can still find the candidates. The NULL
// pattern is part of the statement's cache key (Mask).
std::string WhereSql(const TargetTable& t, const Match& m, int& p) {
  std::string w;
  for (size_t i = 0; i < t.rel.columns.size(); ++i) {
    if (!UseInWhere(t, m, i)) continue;
    std::string col = pg::QuoteIdent(t.rel.columns[i].name);
    w += w.empty() ? "" : " AND ";
    if (!m.full) {
      w += fmt::format("{} = ${}", col, ++p);
    } else if ((*m.tuple)[i].kind == 'n') {
      w += col + " IS NULL";
    } else if (t.has_equality[i]) {
      ++p;
      w += fmt::format("{} = ${} AND {}::text = ${}::text", col, p, col, p);
    } else {
      // json, point, xml...: no equality operator; compare their text forms.
      w += fmt::format("{}::text = ${}::text", col, ++p);
    }
  }
  return w.empty() ? "false" : w;
}

void AddWhereValues(const TargetTable& t, const Match& m, std::vector<const char*>& v) {
  for (size_t i = 0; i < t.rel.columns.size(); ++i) {
    if (!WhereParam(t, m, i)) continue;
    const auto& c = (*m.tuple)[i];
    v.push_back(c.kind == 'n' ? nullptr : c.value.c_str());
  }
}

}  // namespace

Result<Applier> Applier::Open(const pg::ConnInfo& target, const ApplierOptions& o) {
  pg::ConnectOptions co;
  co.application_name = "hikkoshi follow";
  pg::ConnInfo ci =
      pg::WithStartupOptions(target, std::string(kStableTextOptions) + " " + kNoTimeoutOptions);
  HK_ASSIGN_OR_RETURN(pg::Connection c, pg::Connection::Open(ci, co));
  Applier a;
  a.origin_ = o.origin;
  a.slot_ = o.slot;
  // The position confirmed to the source must never run ahead of what a
  // target crash keeps, whatever the target's default (#10.3).
  HK_RETURN_IF_ERROR(c.Run("SET synchronous_commit = on"));
  // Settings clone carried to the target database (a statement_timeout the
  // application wants) must not cut a long apply of a big transaction: the
  // startup options above switch them off.
  auto caps = ReadApplyCapabilities(c);
  if (!caps.ok())
    return std::move(caps.TakeError()).Context("reading the applying role's privileges");
  auto modes = ChooseApplyModes(*caps, o.apply_mode, o.trigger_mode, o.recorded_mode);
  if (!modes.ok()) return std::move(modes.TakeError()).Context("on the side follow applies to");
  a.modes_ = *modes;
  if (a.modes_.triggers == kTriggersReplicaRole) {
    auto st = c.Run("SET session_replication_role = replica");
    if (!st.ok()) {
      Error e = st.TakeError();
      e.hint =
          "grant SET ON PARAMETER session_replication_role to the role, or run follow with "
          "--trigger-mode disable-triggers";
      return std::move(e).Context("on the target");
    }
  }
  // One applier per slot (in origin mode the origin's session binding says
  // so too): a second follower must neither apply nor touch the trigger
  // record meanwhile. Released with the session.
  HK_ASSIGN_OR_RETURN(auto lock, c.Exec(kApplierLockSql, {a.slot_}));
  if (!lock.Bool(0, 0)) {
    Error e = MakeError(ErrorKind::kRetryable,
                        "another follower is applying for slot " + a.slot_ + " on the target");
    e.sqlstate = "55006";  // as for an origin in use: waited for, then reported
    return e;
  }
  if (a.modes_.progress == kProgressOrigin) {
    HK_RETURN_IF_ERROR(
        c.Run("SELECT pg_replication_origin_create($1) WHERE NOT EXISTS "
              "(SELECT 1 FROM pg_replication_origin WHERE roname = $1)",
              {a.origin_}));
    auto st = c.Run("SELECT pg_replication_origin_session_setup($1)", {a.origin_});
    if (!st.ok())
      return std::move(st.error()).Context("binding to replication origin " + a.origin_);
    HK_ASSIGN_OR_RETURN(auto r,
                        c.Exec("SELECT pg_replication_origin_progress($1, true)", {a.origin_}));
    if (r.rows() == 1 && !r.IsNull(0, 0)) {
      auto lsn = ParseLsn(r.Get(0, 0));
      if (!lsn) return MakeError(ErrorKind::kInternal, "bad origin progress " + r.Str(0, 0));
      a.progress_ = *lsn;
    }
  } else {
    auto st = EnsureProgressTable(c);
    if (!st.ok()) {
      Error e = st.TakeError();
      e.hint =
          "without replication origins follow keeps its position in hikkoshi.apply_progress: "
          "the applying role needs CREATE on the database (or an existing schema hikkoshi it may "
          "create tables in)";
      return std::move(e).Context("creating hikkoshi.apply_progress");
    }
    HK_ASSIGN_OR_RETURN(a.progress_, ReadProgressTable(c, a.slot_));
  }
  a.expected_progress_ = a.progress_;
  a.conn_ = std::move(c);
  HK_ASSIGN_OR_RETURN(a.pipe_, Pipeline::Enter(a.conn_.raw()));
  return a;
}

Status Applier::OnRelation(const RelationMsg& m) {
  HK_RETURN_IF_ERROR(FlushRun());
  if (m.nspname == kProgressSchema && m.relname == kProgressTableName) {
    // hikkoshi's bookkeeping of a follower applying to the other side.
    ignored_.insert(m.relid);
    return Status::Ok();
  }
  ignored_.erase(m.relid);
  HK_RETURN_IF_ERROR(pipe_.Pause());  // catalog queries need a plain round trip
  auto described = DescribeTargetTable(conn_, m, types_);
  Result<std::string> other_unique = std::string("t");
  if (described.ok()) {
    std::string keys;
    for (const auto& c : m.columns)
      if (c.key) AppendArrayElement(keys, {'t', c.name});
    keys = keys.empty() ? "{}" : keys + "}";
    other_unique = conn_.QueryValue(
        "SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = $1::regclass AND "
        "(i.indisunique OR i.indisexclusion) AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL "
        "OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = "
        "ANY(i.indkey) AND a.attnum > 0 AND NOT a.attname = ANY($2::text[]))))",
        {described->qname, keys});
  }
  HK_RETURN_IF_ERROR(pipe_.Resume());
  HK_ASSIGN_OR_RETURN(TargetTable t, std::move(described));
  HK_ASSIGN_OR_RETURN(std::string other, std::move(other_unique));
  if (other == "t")
    no_update_runs_.insert(m.relid);
  else
    no_update_runs_.erase(m.relid);
  tables_[m.relid] = std::move(t);
  ++generation_[m.relid];  // statements of an older shape are never reused
  return Status::Ok();
}

Result<const TargetTable*> Applier::Table(uint32_t relid) {
  auto it = tables_.find(relid);
  if (it == tables_.end())
    return MakeError(ErrorKind::kInternal,
                     fmt::format("change for relation {} arrived before its Relation message", relid));
  return &it->second;
}

Status Applier::OnBegin(const BeginMsg&) {
  if (!batch_open_) {
    HK_RETURN_IF_ERROR(pipe_.Query("BEGIN", {}, {"BEGIN"}));
    // Fails (division by zero) unless every earlier batch committed: pipelined
    // batches must not outrun a failed one.
    std::string expected = FormatLsn(expected_progress_);
    if (modes_.progress == kProgressOrigin)
      HK_RETURN_IF_ERROR(
          pipe_.Query("SELECT 1 / (coalesce(pg_replication_origin_session_progress(false), '0/0') "
                      "= $1::pg_lsn)::int",
                      {expected.c_str()}, {"checking that the previous batch committed"}));
    else
      HK_RETURN_IF_ERROR(pipe_.Query(ProgressCheckSql(), {expected.c_str(), slot_.c_str()},
                                     {"checking that the previous batch committed"}));
    batch_open_ = true;
    batch_txns_ = 0;
  }
  in_source_txn_ = true;
  return Status::Ok();
}

Status Applier::Run(const std::string& key, const std::function<std::string()>& build,
                    const std::vector<const char*>& values, const char* what, const TargetTable& t,
                    int64_t rows) {
  std::string desc = fmt::format("{} on {}", what, t.qname);
  auto it = statements_.find(key);
  if (it == statements_.end()) {
    std::string name = "hk" + std::to_string(statements_.size());
    HK_RETURN_IF_ERROR(pipe_.Prepare(name, build(), static_cast<int>(values.size()), {"preparing " + desc}));
    it = statements_.emplace(key, name).first;
  }
  Pipeline::Tag tag{desc};
  tag.expect_row = what[0] != 'I';
  tag.rows = rows;
  HK_RETURN_IF_ERROR(pipe_.ExecPrepared(it->second, values, tag));
  pending_rows_ += rows;
  // Bounded: results are read every so often even inside a huge transaction.
  if (pipe_.pending() >= 1000) return Sync();
  return Status::Ok();
}

Status Applier::Sync() {
  HK_RETURN_IF_ERROR(pipe_.SyncNoWait(0));
  return Poll(true);
}

Status Applier::OnInsert(const InsertMsg& m) {
  if (Ignored(m.relid)) return Status::Ok();
  HK_ASSIGN_OR_RETURN(const TargetTable* t, Table(m.relid));
  if (m.new_tuple.size() != t->rel.columns.size())
    return MakeError(ErrorKind::kInternal, "INSERT tuple does not match its relation on " + t->qname);
  if (!run_.Accepts('I', m.relid, "", "")) HK_RETURN_IF_ERROR(FlushRun());
  std::vector<size_t> cols(m.new_tuple.size());
  for (size_t i = 0; i < cols.size(); ++i) cols[i] = i;
  if (run_.empty()) {
    run_.Start('I', m.relid, "", {}, cols.size());
    run_first_ins_ = m.new_tuple;
  }
  run_.Add(m.new_tuple, cols, "");
  if (run_.Full()) return FlushRun();
  return Status::Ok();
}

Status Applier::FlushRun() {
  if (run_.empty()) return Status::Ok();
  struct Clear {
    ChangeRun& r;
    ~Clear() { r.Clear(); }
  } clear{run_};
  uint32_t relid = run_.relid();
  HK_ASSIGN_OR_RETURN(const TargetTable* t, Table(relid));
  if (run_.rows() == 1) {
    if (run_.op() == 'I') return RowInsert(run_first_ins_, relid, *t);
    if (run_.op() == 'U') return RowUpdate(run_first_upd_, *t);
    return RowDelete(run_first_del_, *t);
  }
  char op = run_.op();
  std::string key = fmt::format("R{}{}:{}:{}", op, relid, generation_[relid], run_.mask());
  const RunShape& shape = run_.shape();
  auto build = [&] {
    if (op == 'I') return InsertRunSql(*t);
    if (op == 'U') return UpdateRunSql(*t, shape);
    return DeleteRunSql(*t, shape);
  };
  const char* what = op == 'I' ? "INSERT" : (op == 'U' ? "UPDATE" : "DELETE");
  return Run(key, build, run_.Params(), what, *t, static_cast<int64_t>(run_.rows()));
}

Status Applier::RowInsert(const TupleData& row, uint32_t relid, const TargetTable& t) {
  std::vector<const char*> v;
  v.reserve(row.size());
  for (const auto& c : row) v.push_back(c.kind == 'n' ? nullptr : c.value.c_str());
  std::string key = fmt::format("I{}:{}", relid, generation_[relid]);
  auto build = [&] {
    std::string cols, vals;
    for (size_t i = 0; i < row.size(); ++i) {
      cols += (i ? ", " : "") + pg::QuoteIdent(t.rel.columns[i].name);
      vals += fmt::format("{}${}", i ? ", " : "", i + 1);
    }
    return "INSERT INTO " + t.qname + " (" + cols + ") OVERRIDING SYSTEM VALUE VALUES (" + vals + ")";
  };
  return Run(key, build, v, "INSERT", t);
}

Status Applier::OnUpdate(const UpdateMsg& m) {
  if (Ignored(m.relid)) return Status::Ok();
  HK_ASSIGN_OR_RETURN(const TargetTable* t, Table(m.relid));
  RunShape shape;
  if (no_update_runs_.count(m.relid) > 0 || !RunnableUpdate(*t, m, shape)) {
    HK_RETURN_IF_ERROR(FlushRun());
    return RowUpdate(m, *t);
  }
  std::string mask(m.new_tuple.size(), '-');
  for (size_t i : shape.set) mask[i] = 'v';
  std::string key = RunKey(m.new_tuple, shape.key);
  if (!run_.Accepts('U', m.relid, mask, key)) HK_RETURN_IF_ERROR(FlushRun());
  std::vector<size_t> cols = shape.key;
  cols.insert(cols.end(), shape.set.begin(), shape.set.end());
  if (run_.empty()) {
    run_.Start('U', m.relid, mask, shape, cols.size());
    run_first_upd_ = m;
  }
  run_.Add(m.new_tuple, cols, std::move(key));
  if (run_.Full()) return FlushRun();
  return Status::Ok();
}

Status Applier::OnDelete(const DeleteMsg& m) {
  if (Ignored(m.relid)) return Status::Ok();
  HK_ASSIGN_OR_RETURN(const TargetTable* t, Table(m.relid));
  RunShape shape;
  if (!RunnableDelete(*t, m, shape)) {
    HK_RETURN_IF_ERROR(FlushRun());
    return RowDelete(m, *t);
  }
  std::string key = RunKey(m.old_tuple, shape.key);
  if (!run_.Accepts('D', m.relid, "", key)) HK_RETURN_IF_ERROR(FlushRun());
  if (run_.empty()) {
    run_.Start('D', m.relid, "", shape, shape.key.size());
    run_first_del_ = m;
  }
  run_.Add(m.old_tuple, shape.key, std::move(key));
  if (run_.Full()) return FlushRun();
  return Status::Ok();
}

Status Applier::RowUpdate(const UpdateMsg& m, const TargetTable& tt) {
  const TargetTable* t = &tt;
  const auto& tup = m.new_tuple;
  Match match{m.old_kind ? &m.old_tuple : &m.new_tuple, t->rel.replident == 'f'};
  if (tup.size() != t->rel.columns.size() || match.tuple->size() != tup.size())
    return MakeError(ErrorKind::kInternal, "UPDATE tuple does not match its relation on " + t->qname);
  if (match.full && m.old_kind != 'O')
    return MakeError(ErrorKind::kInternal, "UPDATE on a REPLICA IDENTITY FULL table came without its old row: " + t->qname);
  // New values: all but unchanged TOAST values ('u', keep the target's).
  // GENERATED ALWAYS identity columns cannot be assigned by UPDATE: they stay
  // out of SET and, if the source changed one, the row is rewritten below.
  std::vector<bool> in_set(tup.size());
  bool has_identity = false;
  for (size_t i = 0; i < tup.size(); ++i) {
    in_set[i] = tup[i].kind != 'u';
    has_identity = has_identity || (in_set[i] && t->identity_always[i]);
  }
  std::vector<const char*> v;
  std::string set_mask;
  for (size_t i = 0; i < tup.size(); ++i) {
    set_mask.push_back(in_set[i] ? 'v' : '-');
    if (in_set[i]) v.push_back(tup[i].kind == 'n' ? nullptr : tup[i].value.c_str());
  }
  if (v.empty()) return Status::Ok();  // only unchanged TOAST values: nothing to write
  AddWhereValues(*t, match, v);
  std::string key = fmt::format("U{}:{}:{}:{}:{}", m.relid, generation_[m.relid], set_mask,
                                match.full ? 'f' : 'k', match.full ? Mask(*match.tuple) : "");
  auto build = [&] {
    std::string set;
    std::vector<int> param(tup.size(), 0);
    int p = 0;
    for (size_t i = 0; i < tup.size(); ++i) {
      if (!in_set[i]) continue;
      param[i] = ++p;
      if (has_identity && t->identity_always[i]) continue;
      set += fmt::format("{}{} = ${}", set.empty() ? "" : ", ",
                         pg::QuoteIdent(t->rel.columns[i].name), p);
    }
    std::string where = WhereSql(*t, match, p);
    const std::string& q = t->qname;
    std::string same_row = q + ".tableoid = hk_one.hk_t AND " + q + ".ctid = hk_one.hk_c";
    if (!has_identity) {
      if (!match.full) return "UPDATE " + q + " SET " + set + " WHERE " + where;
      // Duplicates are possible without a key: change exactly one matching row.
      return "WITH hk_one AS (SELECT tableoid AS hk_t, ctid AS hk_c FROM " + q + " WHERE " + where +
             " LIMIT 1) UPDATE " + q + " SET " + set + " FROM hk_one WHERE " + same_row;
    }
    // A GENERATED ALWAYS identity column: when its value is unchanged, a plain
    // UPDATE of the other columns; when the source changed it, the row is
    // deleted and inserted again with OVERRIDING SYSTEM VALUE (UPDATE cannot
    // write it). Either way the statement returns one row per row written.
    std::string moved, cols, vals;
    for (size_t i = 0; i < tup.size(); ++i) {
      std::string col = pg::QuoteIdent(t->rel.columns[i].name);
      if (in_set[i] && t->identity_always[i])
        moved += fmt::format("{}{}.{} IS DISTINCT FROM ${}::{}", moved.empty() ? "" : " OR ", q,
                             col, param[i], t->type_sql[i]);
      cols += (cols.empty() ? "" : ", ") + col;
      vals += (vals.empty() ? "" : ", ") +
              (in_set[i] ? fmt::format("${}::{}", param[i], t->type_sql[i]) : "hk_del." + col);
    }
    for (const auto& col : t->target_only) {
      cols += ", " + col;
      vals += ", hk_del." + col;
    }
    std::string sql = "WITH hk_one AS (SELECT tableoid AS hk_t, ctid AS hk_c, (" + moved +
                      ") AS hk_moved FROM " + q + " WHERE " + where + " LIMIT 1)";
    std::string unchanged = "SELECT 1 FROM hk_one WHERE NOT hk_moved";
    if (!set.empty()) {
      sql += ", hk_upd AS (UPDATE " + q + " SET " + set + " FROM hk_one WHERE " + same_row +
             " AND NOT hk_one.hk_moved RETURNING 1)";
      unchanged = "SELECT 1 FROM hk_upd";
    }
    sql += ", hk_del AS (DELETE FROM " + q + " USING hk_one WHERE " + same_row +
           " AND hk_one.hk_moved RETURNING " + q + ".*), hk_ins AS (INSERT INTO " + q + " (" +
           cols + ") OVERRIDING SYSTEM VALUE SELECT " + vals + " FROM hk_del RETURNING 1) " +
           unchanged + " UNION ALL SELECT 1 FROM hk_ins";
    return sql;
  };
  return Run(key, build, v, "UPDATE", *t);
}

Status Applier::RowDelete(const DeleteMsg& m, const TargetTable& tt) {
  const TargetTable* t = &tt;
  Match match{&m.old_tuple, t->rel.replident == 'f'};
  if (m.old_tuple.size() != t->rel.columns.size())
    return MakeError(ErrorKind::kInternal, "DELETE tuple does not match its relation on " + t->qname);
  std::vector<const char*> v;
  AddWhereValues(*t, match, v);
  std::string key = fmt::format("D{}:{}:{}:{}", m.relid, generation_[m.relid], match.full ? 'f' : 'k',
                                match.full ? Mask(m.old_tuple) : "");
  auto build = [&] {
    int p = 0;
    std::string where = WhereSql(*t, match, p);
    if (!match.full) return "DELETE FROM " + t->qname + " WHERE " + where;
    return "WITH hk_one AS (SELECT tableoid AS hk_t, ctid AS hk_c FROM " + t->qname + " WHERE " +
           where + " LIMIT 1) DELETE FROM " + t->qname + " USING hk_one WHERE " + t->qname +
           ".tableoid = hk_one.hk_t AND " + t->qname + ".ctid = hk_one.hk_c";
  };
  return Run(key, build, v, "DELETE", *t);
}

Status Applier::OnTruncate(const TruncateMsg& m) {
  HK_RETURN_IF_ERROR(FlushRun());
  std::string list;
  for (uint32_t id : m.relids) {
    if (Ignored(id)) continue;
    HK_ASSIGN_OR_RETURN(const TargetTable* t, Table(id));
    list += (list.empty() ? "" : ", ") + t->qname;
  }
  if (list.empty()) return Status::Ok();
  std::string sql = "TRUNCATE " + list;
  if (m.options & TruncateMsg::kRestartIdentity) sql += " RESTART IDENTITY";
  return pipe_.Query(sql, {}, {"TRUNCATE " + list});
}

Status Applier::OnCommit(const CommitMsg& m) {
  HK_RETURN_IF_ERROR(FlushRun());
  in_source_txn_ = false;
  pending_lsn_ = m.end_lsn;
  pending_ts_ = m.commit_ts;
  ++batch_txns_;
  return Status::Ok();
}

Status Applier::CommitBatch(bool wait) {
  if (batch_open_) {
    if (in_source_txn_)
      return MakeError(ErrorKind::kInternal, "CommitBatch inside a source transaction");
    std::string lsn = FormatLsn(pending_lsn_), us = std::to_string(pending_ts_);
    if (batch_txns_ > 0) {
      // Commit time as PostgreSQL-epoch microseconds, converted exactly on the server.
      // txid_current() gives the batch a transaction id even when it changed
      // no row (an UPDATE that matched nothing): without one there is no
      // commit record, the origin would not move, and the next batch's check
      // would fail (#10.7).
      if (modes_.progress == kProgressOrigin)
        HK_RETURN_IF_ERROR(pipe_.Query(
            "SELECT txid_current(), pg_replication_origin_xact_setup($1::pg_lsn, "
            "'2000-01-01 00:00:00+00'::timestamptz + ($2::bigint / 1000000) * interval '1 second' "
            "+ ($2::bigint % 1000000) * interval '1 microsecond')",
            {lsn.c_str(), us.c_str()}, {"recording the origin position"}));
      else  // the row write gives the batch its transaction id
        HK_RETURN_IF_ERROR(pipe_.Query(ProgressUpsertSql(),
                                       {slot_.c_str(), lsn.c_str(), us.c_str()},
                                       {"recording the position in hikkoshi.apply_progress"}));
      expected_progress_ = pending_lsn_;
    }
    Pipeline::Tag commit{"COMMIT"};
    commit.is_commit = true;
    HK_RETURN_IF_ERROR(pipe_.Query("COMMIT", {}, commit));
    uint64_t cookie = next_cookie_++;
    HK_RETURN_IF_ERROR(pipe_.SyncNoWait(cookie));
    inflight_.push_back({cookie, batch_txns_ > 0 ? pending_lsn_ : 0, pending_ts_, batch_txns_, pending_rows_});
    LogDebug("sent a batch of {} source transactions ({} changes)", batch_txns_, pending_rows_);
    batch_open_ = false;
    batch_txns_ = 0;
    pending_rows_ = 0;
  }
  return Poll(wait);
}

Status Applier::Poll(bool block) {
  Status st = pipe_.Drain(block);
  if (pipe_.not_found() > warned_not_found_) {
    LogWarn("{} UPDATE/DELETE statement(s) matched no row on the target (last: {}); the target has diverged",
            pipe_.not_found() - warned_not_found_, pipe_.last_not_found());
    warned_not_found_ = pipe_.not_found();
  }
  while (!inflight_.empty() && inflight_.front().cookie <= pipe_.completed()) {
    const Inflight& f = inflight_.front();
    if (f.txns > 0) {
      progress_ = f.end_lsn;
      committed_ts_ = f.ts;
      int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      double lag_ms = static_cast<double>(now_ms * 1000 - PgEpochToUnixMicros(f.ts)) / 1000.0;
      window_.Add(now_ms, lag_ms, f.txns, f.rows);
    }
    txns_applied_ += f.txns;
    rows_applied_ += f.rows;
    inflight_.pop_front();
  }
  return st;
}

void Applier::RollbackBatch() {
  run_.Clear();
  if (batch_open_ && conn_.Healthy()) {
    (void)Poll(true);
    if (pipe_.Query("ROLLBACK", {}, {"ROLLBACK"}).ok()) (void)pipe_.Sync();
  }
  batch_open_ = false;
  in_source_txn_ = false;
  batch_txns_ = 0;
  pending_rows_ = 0;
}

}  // namespace hk::cdc
