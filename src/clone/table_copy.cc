#include "clone/table_copy.h"

#include "clone/crash_point.h"
#include "clone/session.h"
#include "common/log.h"

namespace hk::clone {
namespace {

std::string SourceSql(const TableInfo& t, const PartRow& p, bool whole, bool binary) {
  std::string fmt = binary ? " WITH (FORMAT binary)" : "";
  if (whole) return "COPY " + t.Qualified() + " " + t.column_list + " TO STDOUT" + fmt;
  std::string cols = t.column_list.empty() ? "*" : t.column_list.substr(1, t.column_list.size() - 2);
  std::string where = "ctid >= '(" + std::to_string(p.first_page) + ",0)'::tid";
  if (p.end_page) where += " AND ctid < '(" + std::to_string(*p.end_page) + ",0)'::tid";
  return "COPY (SELECT " + cols + " FROM ONLY " + t.Qualified() + " WHERE " + where + ") TO STDOUT" + fmt;
}

std::string TargetSql(const TableInfo& t, bool whole, bool binary) {
  std::string opts;
  if (binary) opts = "FORMAT binary";
  if (whole) opts += std::string(opts.empty() ? "" : ", ") + "FREEZE";
  return "COPY " + t.Qualified() + " " + t.column_list + " FROM STDIN" +
         (opts.empty() ? "" : " WITH (" + opts + ")");
}

Result<pg::CopyStats> Attempt(pg::Connection& src, pg::Connection& dst, const TableInfo& t,
                              const PartRow& p, bool whole, bool binary, const CopyContext& ctx) {
  HK_RETURN_IF_ERROR(BeginAtSnapshot(src, ctx.snapshot));
  HK_ASSIGN_OR_RETURN(pg::Transaction tx, pg::Transaction::Begin(dst));
  if (whole) HK_RETURN_IF_ERROR(dst.Run("TRUNCATE ONLY " + t.Qualified()));
  HK_RETURN_IF_ERROR(ctx.state->SetPartStatus(t.oid, p.part, "copying"));
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
                               const PartRow& part, int parts_total, const CopyContext& ctx) {
  bool whole = parts_total == 1;
  bool binary = t.binary_ok && !ctx.force_text;
  auto r = Attempt(src, dst, t, part, whole, binary, ctx);
  if (!r.ok()) (void)src.Run("ROLLBACK");
  if (r.ok() || !binary || r.error().kind == ErrorKind::kInterrupted ||
      r.error().kind == ErrorKind::kConnection)
    return r;
  // Binary I/O refused (a type without send/recv, a stricter binary input):
  // the failed transactions rolled back; the text form always works.
  LogWarn("binary COPY of {} failed ({}); retrying in text format", t.Qualified(), r.error().message);
  auto again = Attempt(src, dst, t, part, whole, false, ctx);
  if (!again.ok()) (void)src.Run("ROLLBACK");
  return again;
}

}  // namespace hk::clone
