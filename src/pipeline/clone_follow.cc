#include "pipeline/clone_follow.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cdc/follow.h"
#include "cdc/setup.h"
#include "cdc/slot.h"
#include "clone/progress.h"
#include "clone/roles.h"
#include "clone/schema.h"
#include "common/log.h"
#include "pg/catalog/filter.h"
#include "pg/connection.h"
#include "pg/quote.h"
#include "status/follow_view.h"

namespace hk::pipeline {
namespace {

std::string RegexPart(const std::string& part) {
  std::string out = "^";
  bool quoted = false;
  for (size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (c == '"') {
      if (quoted && i + 1 < part.size() && part[i + 1] == '"') {
        out += "\"";
        ++i;
      } else {
        quoted = !quoted;
      }
      continue;
    }
    if (!quoted && c == '*') {
      out += ".*";
    } else if (!quoted && c == '?') {
      out += ".";
    } else {
      if (std::string_view("\\^$.|[](){}+*?").find(c) != std::string_view::npos) out += '\\';
      out += quoted ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out + "$";
}

// Every user table that is not a partition (partitions are published through
// their root), as "schema"."name" (pg::QualifiedName, like clone's list of
// copied tables), minus those matching `exclude`. Only publishable ones
// unless `with_unlogged` (for resolving --copy-only-table).
Result<std::vector<std::string>> ListTables(pg::Connection& src,
                                            const std::vector<std::string>& exclude,
                                            bool with_unlogged = false) {
  std::string where;
  std::vector<pg::Param> params;
  for (const auto& p : exclude) {
    TablePattern tp = ParseTablePattern(p);
    params.push_back(tp.name_regex);
    std::string cond = "c.relname ~ $" + std::to_string(params.size());
    if (!tp.schema_regex.empty()) {
      params.push_back(tp.schema_regex);
      cond += " AND n.nspname ~ $" + std::to_string(params.size());
    }
    where += " AND NOT (" + cond + ")";
  }
  std::string sql =
      "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE " +
      (with_unlogged ? pg::catalog::TopLevelTable() : pg::catalog::PublishableTable()) + where +
      " ORDER BY 1, 2";
  HK_ASSIGN_OR_RETURN(pg::QueryResult r, src.Exec(sql, params));
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(pg::QualifiedName(r.Get(i, 0), r.Get(i, 1)));
  return out;
}

// Every copied table must be published (itself or through its partition
// root) unless the user chose copy-only for it; otherwise its changes after
// the snapshot would be silently lost.
Status CheckCoverage(pg::Connection& src, const std::vector<std::string>& copied,
                     const std::vector<std::string>& copy_only) {
  std::string arr = "{";
  for (size_t i = 0; i < copied.size(); ++i) {
    if (i) arr += ",";
    arr += "\"";
    for (char c : copied[i]) {
      if (c == '"' || c == '\\') arr += '\\';
      arr += c;
    }
    arr += "\"";
  }
  arr += "}";
  HK_ASSIGN_OR_RETURN(
      pg::QueryResult r,
      src.Exec("SELECT t FROM unnest($1::text[]) t WHERE NOT EXISTS ("
               " SELECT 1 FROM pg_publication_tables p WHERE p.pubname = $2 AND"
               " (quote_ident(p.schemaname) || '.' || quote_ident(p.tablename))::regclass ="
               " coalesce(pg_partition_root(t::regclass), t::regclass))",
               {arr, std::string(cdc::kPublicationName)}));
  std::vector<std::string> unpublished;
  for (int i = 0; i < r.rows(); ++i) {
    std::string t = r.Str(i, 0);
    if (std::find(copy_only.begin(), copy_only.end(), t) == copy_only.end()) unpublished.push_back(t);
  }
  if (unpublished.empty()) return Status::Ok();
  std::string names;
  for (const auto& t : unpublished) names += (names.empty() ? "" : ", ") + t;
  return MakeError(ErrorKind::kBadInput,
                   "these copied tables are not in the publication, so their changes would be lost: " + names,
                   "name them exactly with --exclude-table (schema.table), then run `hikkoshi cleanup` "
                   "and start again with --drop-if-exists");
}

// Everything about the target that would make the clone fail, checked
// before the source is changed (#10.19): connection, authentication and TLS,
// not the source itself, empty (unless --drop-if-exists).
Status CheckTarget(const clone::CloneOptions& o, pg::Connection& src) {
  pg::ConnectOptions co;
  co.application_name = "hikkoshi clone (check)";
  auto opened = pg::Connection::Open(o.target, co);
  if (!opened.ok()) return opened.TakeError().Context("connecting to the target");
  pg::Connection tgt = std::move(opened).value();
  HK_RETURN_IF_ERROR(clone::CheckDistinct(src, tgt));
  std::vector<std::string> mapped_from;
  for (const auto& text : o.role_map) {
    HK_ASSIGN_OR_RETURN(clone::RoleMapping m, clone::ParseRoleMapping(text));
    mapped_from.push_back(m.from);
  }
  HK_RETURN_IF_ERROR(
      clone::CheckRoles(src, tgt, o.no_owner, o.no_acl, o.create_roles, mapped_from).status());
  if (!o.drop_if_exists) {
    HK_ASSIGN_OR_RETURN(std::string contents, clone::DescribeTargetContents(tgt));
    if (!contents.empty())
      return BlockedError(
          "the target database " + o.target.Redacted() + " is not empty (" + contents + ")",
          "clone into an empty database, or pass --drop-if-exists to replace its contents");
  }
  return Status::Ok();
}

// --resume: the interrupted run's exported snapshot died with its replication
// connection, so its copy can never be finished at the slot's position. Drop
// that slot and start over, replacing what the interrupted run wrote.
// Returns true when the copy had finished (only following is left).
Result<bool> PrepareResume(CloneFollowOptions& opts) {
  const std::string& dir = opts.clone.workdir;
  auto old = cdc::LoadFollowState(dir);
  if (!old.ok())
    return BlockedError(
        "there is no clone --follow to resume in " + dir + " (" + old.error().message + ")",
        "start it without --resume");
  if (old->phase == "cleaned-up")
    return BlockedError(
        "the follow setup in " + dir + " was cleaned up",
        "start `hikkoshi clone --follow` again without --resume (with --drop-if-exists "
        "if the target holds a partial copy)");
  if (old->copy != "pending") {
    LogInfo("the initial copy had finished; continuing to follow from slot {}", old->slot);
    return true;
  }
  LogWarn(
      "the interrupted run's snapshot ended with its connection (an exported snapshot lives only "
      "as long "
      "as the replication connection that created it), so the copy cannot be finished at the "
      "position of "
      "slot {}; starting over: dropping that slot, then copying everything again at a new slot's "
      "snapshot, "
      "replacing what the interrupted run wrote to the target",
      old->slot);
  HK_RETURN_IF_ERROR(cdc::AbandonFollowSetup(opts.clone.source, *old));
  old->phase = "cleaned-up";
  old->updated_at = NowIso8601();
  HK_RETURN_IF_ERROR(cdc::SaveFollowState(dir, *old));
  opts.clone.resume = false;         // a fresh copy, not a resumed one
  opts.clone.drop_if_exists = true;  // the target holds the interrupted run's partial copy
  return false;
}

}  // namespace

TablePattern ParseTablePattern(const std::string& pattern) {
  // Split on the last unquoted dot.
  bool quoted = false;
  size_t dot = std::string::npos;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '"') quoted = !quoted;
    if (pattern[i] == '.' && !quoted) dot = i;
  }
  TablePattern tp;
  if (dot == std::string::npos) {
    tp.name_regex = RegexPart(pattern);
  } else {
    tp.schema_regex = RegexPart(pattern.substr(0, dot));
    tp.name_regex = RegexPart(pattern.substr(dot + 1));
  }
  return tp;
}

namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

Status Follow(const CloneFollowOptions& opts) {
  cdc::FollowOptions fo;
  fo.source = opts.clone.source;
  fo.target = opts.clone.target;
  fo.workdir = opts.clone.workdir;
  fo.until_caught_up = opts.until_caught_up;
  fo.stop = opts.stop;
  fo.apply_mode = EnvOr("HIKKOSHI_APPLY_MODE", "auto");
  fo.trigger_mode = EnvOr("HIKKOSHI_TRIGGER_MODE", "auto");
  status::FollowView view(opts.clone.tty_progress, fo.workdir);  // the catch-up after the copy
  view.Start();
  auto r = cdc::RunFollow(fo);
  view.Stop();
  if (!r.ok()) return r.TakeError();
  const cdc::FollowResult& fr = *r;
  std::printf("follow stopped: %lld transactions, %lld rows applied\n",
              static_cast<long long>(fr.txns_applied), static_cast<long long>(fr.rows_applied));
  return Status::Ok();
}

}  // namespace

Status RunCloneFollow(CloneFollowOptions opts) {
  if (opts.clone.resume) {
    HK_ASSIGN_OR_RETURN(bool copied, PrepareResume(opts));
    if (copied) return Follow(opts);
  }
  std::vector<std::string> tables;  // empty: FOR ALL TABLES
  std::vector<std::string> copy_only_resolved;
  if (!opts.clone.exclude_tables.empty() || !opts.copy_only_tables.empty()) {
    HK_ASSIGN_OR_RETURN(pg::Connection src, pg::Connection::Open(opts.clone.source));
    std::vector<std::string> unpublished = opts.clone.exclude_tables;
    unpublished.insert(unpublished.end(), opts.copy_only_tables.begin(), opts.copy_only_tables.end());
    HK_ASSIGN_OR_RETURN(tables, ListTables(src, unpublished));
    HK_ASSIGN_OR_RETURN(auto all_but_excluded,
                        ListTables(src, opts.clone.exclude_tables, /*with_unlogged=*/true));
    for (const auto& t : all_but_excluded)
      if (std::find(tables.begin(), tables.end(), t) == tables.end()) copy_only_resolved.push_back(t);
    if (tables.empty()) {
      return MakeError(ErrorKind::kBadInput, "no table is left to follow after the exclusions",
                       "drop --follow, or exclude fewer tables");
    }
  }

  cdc::FollowSetupOptions so;
  so.source = opts.clone.source;
  so.target_redacted = opts.clone.target.Redacted();
  so.workdir = opts.clone.workdir;
  so.tables = tables;
  so.replica_identity_full = opts.replica_identity_full;
  so.copy_pending = true;
  so.preflight = [&](pg::Connection& src) { return CheckTarget(opts.clone, src); };
  auto started = cdc::StartFollowSetup(so);
  if (!started.ok()) {
    Error e = started.TakeError();
    if (e.message.rfind("cannot follow changes of tables without", 0) == 0) {
      e.hint = "choose one: --replica-identity-full (hikkoshi sets REPLICA IDENTITY FULL on them), "
               "--exclude-table PATTERN (not copied at all), or --copy-only-table PATTERN (copied, "
               "later changes not followed)";
    }
    return e;
  }
  cdc::FollowSetup setup = std::move(started).value();
  LogInfo("replication slot {} created; copying at its snapshot {}", setup.state.slot,
          setup.snapshot.snapshot_name());

  // The copy must finish under this slot's snapshot or not count: on any
  // failure the slot (useless without its snapshot) is dropped again, and
  // follow.json keeps the copy "pending" so follow refuses.
  auto abandon = [&](Error e) -> Error {
    Status dropped = cdc::AbandonFollowSetup(opts.clone.source, setup.state);
    std::string what = dropped.ok() ? "slot " + setup.state.slot + " was dropped again; "
                                    : "could not drop slot " + setup.state.slot + " (" +
                                          dropped.error().message + "): run `hikkoshi cleanup`; ";
    if (e.kind == ErrorKind::kBlocked && dropped.ok()) {
      // The clone refused before writing anything: no partial copy for a
      // --resume to replace, so the setup is simply gone.
      cdc::FollowState st = setup.state;
      st.phase = "cleaned-up";
      (void)cdc::SaveFollowState(opts.clone.workdir, st);
      e.hint = (e.hint.empty() ? "" : e.hint + "; ") + what + "then run the same command again";
      return e;
    }
    std::string next = "rerun `hikkoshi clone --follow --resume` (it starts the copy over)";
    e.hint = e.kind == ErrorKind::kInterrupted
                 ? "the initial copy did not finish; " + what + next
                 : (e.hint.empty() ? "" : e.hint + "; then ") + what + next;
    return e;
  };
  clone::CloneOptions co = opts.clone;
  co.snapshot_name = setup.snapshot.snapshot_name();
  co.stop = opts.stop;
  auto summary = clone::RunClone(co);
  setup.snapshot.Release();
  if (!summary.ok()) return abandon(summary.TakeError());
  {
    auto src = pg::Connection::Open(opts.clone.source);
    if (!src.ok()) return abandon(src.TakeError());
    std::vector<std::string> copy_only = copy_only_resolved;
    Status covered = CheckCoverage(*src, summary->copied_tables, copy_only);
    if (!covered.ok()) return abandon(covered.TakeError());
  }
  if (Status st = cdc::MarkCopyDone(opts.clone.workdir); !st.ok()) return abandon(st.TakeError());
  std::printf("%-14s %10s\n", "clone step", "duration");
  for (const auto& st : summary->steps)
    std::printf("%-14s %10s\n", st.name.c_str(), HumanDuration(st.seconds).c_str());
  std::printf("clone finished: %zu tables, %lld rows; following changes from the slot now "
              "(Ctrl-C to stop; `hikkoshi follow` resumes)\n",
              summary->copied_tables.size(), static_cast<long long>(summary->rows));
  std::fflush(stdout);

  return Follow(opts);
}

}  // namespace hk::pipeline
