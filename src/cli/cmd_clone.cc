#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "cdc/target_table.h"
#include "pipeline/clone_follow.h"
#include "cli/commands.h"
#include "cli/retry_flag.h"
#include "clone/clone.h"
#include "clone/progress.h"
#include "common/exit_codes.h"
#include "common/human.h"
#include "common/secrets.h"
#include "cutover/config.h"

namespace hk::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  if (g_stop.exchange(true)) _exit(kExitInterrupted);  // second Ctrl-C: leave now
  const char msg[] = "\nhikkoshi: stopping cleanly (progress is kept)...\n";
  ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)n;
}

void PrintSummary(const clone::CloneSummary& s) {
  std::printf("clone %s: %zu tables, %lld rows, %s, %lld indexes, %lld sequences, %lld large objects\n",
              s.resumed ? "finished (resumed)" : "finished", s.copied_tables.size(),
              static_cast<long long>(s.rows), clone::HumanBytes(static_cast<double>(s.bytes)).c_str(),
              static_cast<long long>(s.indexes), static_cast<long long>(s.sequences),
              static_cast<long long>(s.large_objects));
  if (s.retries > 0)
    std::printf("(%d transient failure%s retried on the way)\n", s.retries,
                s.retries == 1 ? "" : "s");
  std::printf("\n%-14s %10s\n", "step", "duration");
  for (const auto& st : s.steps) {
    if (st.name == "total") std::printf("%-14s %10s\n", "--------------", "----------");
    std::printf("%-14s %10s\n", st.name.c_str(), HumanDuration(st.seconds).c_str());
  }
  std::printf("\n(copy and indexes overlap: each table's indexes are built as soon as its data is in)\n");
}

}  // namespace

CommandSpec CloneCommand() {
  return {"clone", "Copy schema and data from source to target at one consistent snapshot",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              std::string source, target, dir, split, retry_for, lock_timeout, stall_timeout;
              int jobs = 4, index_jobs = 4;
              bool resume = false, drop_if_exists = false, no_owner = false, no_acl = false,
                   create_roles = false;
              bool follow = false, identity_full = false, until_caught_up = false;
              std::vector<std::string> exclude, copy_only, role_map;
            };
            auto o = std::make_shared<Opts>();
            auto* s = sub->add_option("--source", o->source, "source database (URI or keyword string)");
            auto* t = sub->add_option("--target", o->target, "target database (URI or keyword string)");
            auto* j = sub->add_option("--jobs", o->jobs, "parallel table copies (default 4)")->check(CLI::Range(1, 64));
            auto* ij = sub->add_option("--index-jobs", o->index_jobs, "parallel index builds (default 4)")
                           ->check(CLI::Range(1, 64));
            auto* d = sub->add_option("--dir", o->dir, "work directory for state and logs (default .hikkoshi)");
            sub->add_flag("--resume", o->resume, "continue an interrupted clone from the work directory");
            sub->add_flag("--drop-if-exists", o->drop_if_exists,
                          "replace whatever the target database holds (DESTRUCTIVE on the target)");
            sub->add_option("--exclude-table", o->exclude,
                            "skip tables matching this pattern (pg_dump syntax; repeatable)");
            sub->add_flag("--no-owner", o->no_owner, "do not set object owners (objects belong to the target user)");
            sub->add_flag("--no-acl", o->no_acl, "do not copy privileges (GRANT/REVOKE)");
            sub->add_flag("--create-roles", o->create_roles,
                          "create the roles the schema names that the target lacks (NOLOGIN)");
            sub->add_option("--role-map", o->role_map,
                            "OLD=NEW: objects owned by (and privileges of) source role OLD go to "
                            "NEW on the target (repeatable)");
            sub->add_option("--split-tables-larger-than", o->split,
                            "copy tables bigger than SIZE (e.g. 1GB) in parallel ctid ranges; 'auto': "
                            "a table over 100MB and over total/jobs (default: never)");
            sub->add_flag("--follow", o->follow,
                          "create a replication slot first, copy at its snapshot, then keep the target "
                          "in sync (change capture) until Ctrl-C; `hikkoshi follow` resumes");
            sub->add_flag("--replica-identity-full", o->identity_full,
                          "with --follow: set REPLICA IDENTITY FULL on source tables without a primary key");
            sub->add_option("--copy-only-table", o->copy_only,
                            "with --follow: copy tables matching this pattern but do not follow their changes");
            sub->add_flag("--until-caught-up", o->until_caught_up,
                          "with --follow: stop once the target has caught up with the source");
            AddRetryForFlag(sub, &o->retry_for);
            AddStallTimeoutFlag(sub, &o->stall_timeout);
            sub->add_option(
                "--lock-timeout", o->lock_timeout,
                "give up when another session holds a lock on a source table for longer "
                "than DURATION (default: wait as long as it takes, saying who holds it)");
            return [o, s, t, j, ij, d](const GlobalOptions&, const Config& cfg) -> int {
              auto src = ResolveConn(o->source, s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
              if (!src.ok()) return ReportError(src.error(), false);
              auto tgt = ResolveConn(o->target, t->count() > 0, "HIKKOSHI_TARGET", "target", cfg, "target");
              if (!tgt.ok()) return ReportError(tgt.error(), false);
              clone::CloneOptions co;
              co.source = *src;
              co.target = *tgt;
              co.jobs = o->jobs;
              co.index_jobs = o->index_jobs;
              if (j->count() == 0) {
                if (auto v = cfg.GetInt("clone.jobs")) co.jobs = static_cast<int>(*v);
              }
              if (ij->count() == 0) {
                if (auto v = cfg.GetInt("clone.index_jobs")) co.index_jobs = static_cast<int>(*v);
              }
              std::string dir = o->dir;
              cfg.Resolve(dir, d->count() > 0, "HIKKOSHI_DIR", "workdir");
              co.workdir = dir.empty() ? ".hikkoshi" : dir;
              co.resume = o->resume;
              co.drop_if_exists = o->drop_if_exists;
              co.no_owner = o->no_owner;
              co.no_acl = o->no_acl;
              co.create_roles = o->create_roles;
              co.role_map = o->role_map;
              co.exclude_tables = o->exclude;
              if (o->split == "auto") {
                co.split_tables_larger_than = -1;
              } else if (!o->split.empty()) {
                auto sz = clone::ParseSize(o->split);
                if (!sz.ok()) {
                  Error e = sz.TakeError();
                  e.message = "--split-tables-larger-than: " + e.message;
                  ReportError(e, false);
                  return kExitUsage;
                }
                co.split_tables_larger_than = *sz;
              }
              auto retry_for = ResolveRetryFor(o->retry_for);
              if (!retry_for) return kExitUsage;
              co.retry_for_ms = *retry_for;
              if (!ApplyStallTimeout(o->stall_timeout)) return kExitUsage;
              if (!o->lock_timeout.empty()) {
                auto ms = ParseDuration(o->lock_timeout, "--lock-timeout");
                if (!ms.ok()) return ReportError(ms.error(), false);
                co.lock_timeout_ms = *ms;
              }
              co.tty_progress = StderrIsTty();
              co.stop = &g_stop;
              struct sigaction sa {};
              sa.sa_handler = OnSignal;
              sigemptyset(&sa.sa_mask);
              sigaction(SIGINT, &sa, nullptr);
              sigaction(SIGTERM, &sa, nullptr);
              if (o->follow) {
                pipeline::CloneFollowOptions fo;
                fo.clone = co;
                fo.copy_only_tables = o->copy_only;
                fo.replica_identity_full = o->identity_full;
                fo.until_caught_up = o->until_caught_up;
                fo.stop = &g_stop;
                Status st = pipeline::RunCloneFollow(fo);
                if (st.ok()) return kExitOk;
                Error e = st.TakeError();
                if (e.kind == ErrorKind::kInterrupted) {
                  // The hint says when the copy itself did not finish (#10.4).
                  std::fprintf(stderr, "hikkoshi: stopped; %s\n",
                               e.hint.empty() ? "continue following with `hikkoshi follow`"
                                              : e.hint.c_str());
                  return kExitInterrupted;
                }
                return ReportError(e, false);
              }
              if (!o->copy_only.empty() || o->identity_full || o->until_caught_up) {
                std::fprintf(stderr, "hikkoshi: error: --copy-only-table, --replica-identity-full and "
                                     "--until-caught-up only make sense with --follow\n");
                return kExitUsage;
              }
              auto r = clone::RunClone(co);
              if (!r.ok()) {
                Error e = r.TakeError();
                if (e.kind == ErrorKind::kInterrupted) {
                  std::fprintf(stderr, "hikkoshi: clone interrupted; rerun the same command with --resume to finish\n");
                  return kExitInterrupted;
                }
                if (e.kind != ErrorKind::kBlocked && e.hint.empty() && e.kind != ErrorKind::kPermission)
                  e.hint = "fix the cause, then rerun the same command with --resume";
                return ReportError(e, false);
              }
              PrintSummary(*r);
              return kExitOk;
            };
          }};
}

}  // namespace hk::cli
