#include "cutover/write_watch.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <ctime>
#include <thread>
#include <map>
#include <variant>

#include "cdc/follow_state.h"
#include "cdc/pgoutput.h"
#include "cdc/progress_table.h"

namespace hk::cutover {
namespace {

// bytea in PostgreSQL's hex output ("\x0a1b...") to raw bytes.
std::string FromHexBytea(std::string_view text) {
  if (text.substr(0, 2) == "\\x") text.remove_prefix(2);
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 0;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i + 1 < text.size(); i += 2)
    out.push_back(static_cast<char>(nib(text[i]) << 4 | nib(text[i + 1])));
  return out;
}

}  // namespace

std::string ForeignCommit::Describe() const {
  // Commit time as Unix seconds with milliseconds, UTC.
  int64_t unix_us = cdc::PgEpochToUnixMicros(commit_ts);
  time_t secs = static_cast<time_t>(unix_us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("xid {} committed at {}.{:03d} UTC (commit LSN {}{}) writing {}", xid, buf,
                     static_cast<int>((unix_us / 1000) % 1000), cdc::FormatLsn(commit_lsn),
                     origin.empty() ? "" : ", origin " + origin,
                     tables.empty() ? std::string("no published table")
                                    : fmt::format("{}", fmt::join(tables, ", ")));
}

Result<std::vector<ForeignCommit>> ForeignCommitsIn(const std::vector<std::string>& messages,
                                                    cdc::Lsn from,
                                                    const std::set<uint32_t>& own_xids) {
  HK_ASSIGN_OR_RETURN(auto all, CommitsIn(messages));
  std::vector<ForeignCommit> out;
  for (auto& c : all)
    if (c.commit_lsn >= from && !own_xids.count(c.xid)) out.push_back(std::move(c));
  return out;
}

Result<std::vector<ForeignCommit>> CommitsIn(const std::vector<std::string>& messages) {
  std::vector<ForeignCommit> out;
  std::map<uint32_t, std::string> relations;
  ForeignCommit cur;
  bool in_txn = false;
  auto touch = [&](uint32_t relid) {
    auto it = relations.find(relid);
    std::string name = it == relations.end() ? "relation " + std::to_string(relid) : it->second;
    if (name == std::string(cdc::kProgressSchema) + "." + cdc::kProgressTableName)
      cur.hikkoshi_apply = true;
    for (const auto& t : cur.tables)
      if (t == name) return;
    cur.tables.push_back(name);
  };
  for (const auto& raw : messages) {
    HK_ASSIGN_OR_RETURN(cdc::PgoutputMessage m, cdc::DecodePgoutput(raw));
    if (auto* b = std::get_if<cdc::BeginMsg>(&m)) {
      cur = ForeignCommit{};
      cur.xid = b->xid;
      cur.commit_lsn = b->final_lsn;
      cur.commit_ts = b->commit_ts;
      in_txn = true;
    } else if (auto* o = std::get_if<cdc::OriginMsg>(&m)) {
      cur.origin = o->name;
    } else if (auto* lm = std::get_if<cdc::LogicalMsg>(&m)) {
      if (in_txn && lm->prefix == cdc::kApplyMessagePrefix) cur.hikkoshi_apply = true;
    } else if (auto* r = std::get_if<cdc::RelationMsg>(&m)) {
      relations[r->relid] = r->nspname + "." + r->relname;
    } else if (auto* i = std::get_if<cdc::InsertMsg>(&m)) {
      touch(i->relid);
    } else if (auto* u = std::get_if<cdc::UpdateMsg>(&m)) {
      touch(u->relid);
    } else if (auto* d = std::get_if<cdc::DeleteMsg>(&m)) {
      touch(d->relid);
    } else if (auto* t = std::get_if<cdc::TruncateMsg>(&m)) {
      for (uint32_t id : t->relids) touch(id);
    } else if (auto* c = std::get_if<cdc::CommitMsg>(&m)) {
      cur.end_lsn = c->end_lsn;
      if (in_txn) out.push_back(cur);
      in_txn = false;
    }
  }
  return out;
}

Result<WriteWatch> StartWriteWatch(pg::Connection& src, const std::string& forward_slot) {
  WriteWatch w;
  w.slot = "hikkoshi_watch_" + cdc::NewFollowId();
  auto c = src.Run("SELECT pg_copy_logical_replication_slot($1, $2, true)", {forward_slot, w.slot});
  if (!c.ok())
    return std::move(c.TakeError())
        .Context("copying the forward slot " + forward_slot + " (the proof that the freeze held)");
  HK_ASSIGN_OR_RETURN(std::string lsn, src.QueryValue("SELECT pg_current_wal_insert_lsn()::text"));
  auto parsed = cdc::ParseLsn(lsn);
  if (!parsed) return MakeError(ErrorKind::kInternal, "unexpected LSN " + lsn);
  w.from = *parsed;
  return w;
}

namespace {

// Logical decoding reads only WAL that is flushed, but a commit made with
// synchronous_commit = off is visible to other sessions before its WAL is
// flushed (the WAL writer flushes it within 3 x wal_writer_delay). Without
// waiting, a transaction that a count on the source already sees could be
// missing from the peek. Wait until everything inserted so far is flushed.
Status WaitWalFlushed(pg::Connection& src) {
  HK_ASSIGN_OR_RETURN(std::string insert, src.QueryValue("SELECT pg_current_wal_insert_lsn()::text"));
  auto want = cdc::ParseLsn(insert);
  if (!want) return MakeError(ErrorKind::kInternal, "unexpected LSN " + insert);
  for (int i = 0; i < 500; ++i) {
    HK_ASSIGN_OR_RETURN(std::string flushed,
                        src.QueryValue("SELECT pg_current_wal_flush_lsn()::text"));
    auto got = cdc::ParseLsn(flushed);
    if (got && *got >= *want) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return MakeError(ErrorKind::kRetryable,
                   "the source did not flush its WAL up to " + insert + " within 5 s",
                   "check the source's WAL writer and disk, then cut over again");
}

Result<std::vector<std::string>> Peek(pg::Connection& src, const std::string& slot,
                                      const std::string& publication) {
  HK_RETURN_IF_ERROR(WaitWalFlushed(src));
  HK_ASSIGN_OR_RETURN(
      auto r, src.Exec("SELECT data FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, "
                       "'proto_version', '1', 'publication_names', $2, 'messages', 'true')",
                       {slot, publication}));
  std::vector<std::string> messages;
  messages.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) messages.push_back(FromHexBytea(r.Get(i, 0)));
  return messages;
}

}  // namespace

Result<std::vector<ForeignCommit>> CheckWriteWatch(pg::Connection& src, const WriteWatch& w,
                                                   const std::string& publication,
                                                   const std::set<uint32_t>& own_xids) {
  HK_ASSIGN_OR_RETURN(auto messages, Peek(src, w.slot, publication));
  return ForeignCommitsIn(messages, w.from, own_xids);
}

Result<std::vector<ForeignCommit>> UnappliedSourceCommits(pg::Connection& src,
                                                          const std::string& slot,
                                                          const std::string& publication,
                                                          cdc::Lsn applied) {
  HK_ASSIGN_OR_RETURN(auto messages, Peek(src, slot, publication));
  HK_ASSIGN_OR_RETURN(auto all, CommitsIn(messages));
  std::vector<ForeignCommit> out;
  for (auto& c : all)
    if (c.end_lsn > applied && c.origin.empty() && !c.hikkoshi_apply) out.push_back(std::move(c));
  return out;
}

}  // namespace hk::cutover
