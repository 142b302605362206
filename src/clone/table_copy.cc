#include "clone/table_copy.h"

#include "clone/session.h"
#include "common/crash_point.h"
#include "common/log.h"

namespace hk::clone {
namespace {

std::string SourceSql(const TableInfo& t, const PartRow& p, bool whole, bool binary) {
  std::string fmt = binary ? " WITH (FORMAT binary)" : "";
  if (whole) return "COPY " + t.Qualified() + " " + t.CopyColumnList() + " TO STDOUT" + fmt;
  std::string cols = t.SelectList();  // may be empty: rows of no columns
  std::string where = "ctid >= '(" + std::to_string(p.first_page) + ",0)'::tid";
  if (p.end_page) where += " AND ctid < '(" + std::to_string(*p.end_page) + ",0)'::tid";
  return "COPY (SELECT " + cols + " FROM ONLY " + t.Qualified() + " WHERE " + where + ") TO STDOUT" + fmt;
}

std::string TargetSql(const TableInfo& t, bool whole, bool binary) {
  std::string opts;
  if (binary) opts = "FORMAT binary";
  if (whole) opts += std::string(opts.empty() ? "" : ", ") + "FREEZE";
  return "COPY " + t.Qualified() + " " + t.CopyColumnList() + " FROM STDIN" +
         (opts.empty() ? "" : " WITH (" + opts + ")");
}

// ACCESS SHARE on the table right after SET TRANSACTION SNAPSHOT (pg_dump
// locks every table up front): from here on no rewrite can commit until
// this transaction ends. One that committed between the snapshot and this
// lock (ALTER TABLE ... TYPE, TRUNCATE, VACUUM FULL, CLUSTER) gave the table
// a new relfilenode whose rows the old snapshot cannot see: the COPY would
// read an empty table. pg_class read at the snapshot still shows the old
// relfilenode; pg_relation_filenode() and to_regclass() see the present.
Status LockUnchanged(pg::Connection& src, const TableInfo& t, int64_t lock_timeout_ms) {
  if (lock_timeout_ms > 0)
    HK_RETURN_IF_ERROR(src.Run("SET LOCAL lock_timeout = " + std::to_string(lock_timeout_ms)));
  Status s = src.Run("LOCK TABLE ONLY " + t.Qualified() + " IN ACCESS SHARE MODE");
  if (!s.ok()) {
    Error e = s.TakeError();
    e.message = "cannot lock it on the source: " + e.message;
    return e;
  }
  HK_ASSIGN_OR_RETURN(std::string same, src.QueryValue(R"sql(
    SELECT c.relfilenode = pg_relation_filenode(c.oid) AND to_regclass($2) = c.oid
    FROM pg_class c WHERE c.oid = $1::oid)sql",
                                                       {std::to_string(t.oid), t.Qualified()}));
  if (same == "t") return Status::Ok();
  return MakeError(ErrorKind::kRetryable,
                   "the table was rewritten, truncated, renamed or dropped on the source after the "
                   "snapshot (ALTER TABLE, TRUNCATE, VACUUM FULL, CLUSTER, ...); its rows at the "
                   "snapshot can no longer be read",
                   "rerun with --resume to copy it at a new snapshot (avoid DDL on the source "
                   "while cloning)");
}

Result<pg::CopyStats> Attempt(pg::Connection& src, pg::Connection& dst, const TableInfo& t,
                              const PartRow& p, bool whole, bool binary, const CopyContext& ctx) {
  HK_RETURN_IF_ERROR(BeginAtSnapshot(src, ctx.snapshot));
  HK_RETURN_IF_ERROR(LockUnchanged(src, t, ctx.lock_timeout_ms));
  HK_ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(dst));
  if (whole) HK_RETURN_IF_ERROR(dst.Run("TRUNCATE ONLY " + t.Qualified()));
  HK_RETURN_IF_ERROR(ctx.state->SetPartStatus(t.oid, p.part, "copying"));
  CrashPoint("copy-started");
  HK_ASSIGN_OR_RETURN(pg::CopyStats stats,
                      pg::StreamCopy(src, SourceSql(t, p, whole, binary), dst,
                                     TargetSql(t, whole, binary), ctx.on_bytes, ctx.stop));
  HK_RETURN_IF_ERROR(ctx.state->SetPartStatus(t.oid, p.part, "committing", stats.rows, stats.bytes));
  CrashPoint("before-commit");
  HK_RETURN_IF_ERROR(tx.Commit());
  CrashPoint("after-commit");
  HK_RETURN_IF_ERROR(ctx.state->SetPartStatus(t.oid, p.part, "done", stats.rows, stats.bytes));
  (void)src.Run("COMMIT");
  return stats;
}

}  // namespace

Result<pg::CopyStats> CopyPart(pg::Connection& src, pg::Connection& dst, const TableInfo& t,
                               const PartRow& part, int parts_total, const CopyContext& ctx,
                               bool* used_binary) {
  bool whole = parts_total == 1;
  bool binary = (t.binary_ok || ctx.force_binary) && !ctx.force_text && !t.text_required;
  if (used_binary) *used_binary = binary;
  auto r = Attempt(src, dst, t, part, whole, binary, ctx);
  if (!r.ok()) (void)src.Run("ROLLBACK");
  // Only a refusal of the binary form itself (no binary I/O function: 42883,
  // bad binary data: 22P03, ...) is worth a retry in text.
  const std::string& st = r.ok() ? std::string() : r.error().sqlstate;
  bool binary_refused = st.rfind("42", 0) == 0 || st.rfind("22", 0) == 0 || st.rfind("0A", 0) == 0;
  if (r.ok() || !binary || !binary_refused || (ctx.stop && ctx.stop->load())) return r;
  // Binary I/O refused (a type without send/recv, a stricter binary input):
  // the failed transactions rolled back; the text form always works.
  LogWarn("binary COPY of {} failed ({}); retrying in text format", t.Qualified(), r.error().message);
  if (used_binary) *used_binary = false;
  auto again = Attempt(src, dst, t, part, whole, false, ctx);
  if (!again.ok()) (void)src.Run("ROLLBACK");
  return again;
}

}  // namespace hk::clone
