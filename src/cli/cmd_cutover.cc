#include <cstdio>

#include "cli/commands.h"
#include "cli/follow_common.h"
#include "common/exit_codes.h"
#include "common/human.h"
#include "cutover/config.h"
#include "cutover/cutover.h"
#include "cutover/follower_proc.h"
#include "cutover/rollback.h"
#include "status/report.h"

namespace hk::cli {
namespace {

struct SwitchOpts {
  std::string source, target, dir;
  CLI::Option *s = nullptr, *t = nullptr, *d = nullptr;
};

void AddSwitchOptions(CLI::App* sub, SwitchOpts& o) {
  o.s = sub->add_option("--source", o.source, "source database (URI or keyword string)");
  o.t = sub->add_option("--target", o.target, "target database (URI or keyword string)");
  o.d = sub->add_option("--dir", o.dir, "work directory of follow (default .hikkoshi)");
}

/// Resolves both databases, the work directory and [cutover]; exit code on failure.
int BuildContext(const SwitchOpts& o, const Config& cfg, cutover::SwitchContext& ctx) {
  auto src = ResolveConn(o.source, o.s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
  if (!src.ok()) return ReportError(src.error(), false);
  auto tgt = ResolveConn(o.target, o.t->count() > 0, "HIKKOSHI_TARGET", "target", cfg, "target");
  if (!tgt.ok()) return ReportError(tgt.error(), false);
  auto cc = cutover::LoadCutoverConfig(cfg.path());
  if (!cc.ok()) {
    ReportError(cc.error(), false);
    return kExitUsage;
  }
  ctx.source = *src;
  ctx.target = *tgt;
  ctx.workdir = ResolveWorkdir(o.dir, o.d->count() > 0, cfg);
  ctx.cfg = *cc;
  ctx.exe = cutover::SelfExe();
  return kExitOk;
}

/// After a cutover or rollback that ran: WORKDIR/report.html, path printed.
int WithReport(const std::string& workdir, int rc) {
  auto path = status::WriteWorkdirReport(workdir);
  if (path.ok())
    std::printf("report: %s\n", path->c_str());
  else
    std::fprintf(stderr, "hikkoshi: warning: no report: %s\n", path.error().message.c_str());
  return rc;
}

}  // namespace

CommandSpec CutoverCommand() {
  return {
      "cutover",
      "Freeze the source, drain, switch the application to the target, health-check (rollback on "
      "failure)",
      [](CLI::App* sub) -> Runner {
        struct Opts : SwitchOpts {
          std::string max_freeze;
          cutover::CutoverFlags flags;
          bool no_auto_rollback = false;
        };
        auto o = std::make_shared<Opts>();
        AddSwitchOptions(sub, *o);
        sub->add_flag("--dry-run", o->flags.dry_run,
                      "check the preconditions, print the plan, change nothing");
        sub->add_option("--max-freeze", o->max_freeze,
                        "abort and unfreeze when the drain takes longer than this (e.g. 30s; "
                        "default cutover.max_freeze)");
        sub->add_flag("--yes", o->flags.yes, "do not ask for confirmation");
        sub->add_flag(
            "--no-auto-rollback", o->no_auto_rollback,
            "on a failure after the freeze, stop and leave the rollback to `hikkoshi rollback`");
        sub->add_flag("--skip-backup-check", o->flags.skip_backup_check,
                      "do not require cutover.backup_check to pass");
        return [o](const GlobalOptions& g, const Config& cfg) -> int {
          cutover::SwitchContext ctx;
          if (int rc = BuildContext(*o, cfg, ctx); rc != kExitOk) return rc;
          ctx.tty_view = StderrIsTty() && !g.quiet;
          if (!o->max_freeze.empty()) {
            auto ms = ParseDuration(o->max_freeze, "--max-freeze");
            if (!ms.ok()) return ReportError(ms.error(), false);
            o->flags.max_freeze_ms = *ms;
          }
          o->flags.auto_rollback = !o->no_auto_rollback;
          auto out = cutover::RunCutover(ctx, o->flags, cutover::PrintToStdout);
          int rc = out.status.ok() ? kExitOk : ReportError(out.status.error(), false);
          if (o->flags.dry_run || !status::WorkdirHasJournal(ctx.workdir)) return rc;
          return WithReport(ctx.workdir, rc);
        };
      }};
}

CommandSpec RollbackCommand() {
  return {"rollback",
          "Bring the application back to the source, with every write it made on the target",
          [](CLI::App* sub) -> Runner {
            auto o = std::make_shared<SwitchOpts>();
            AddSwitchOptions(sub, *o);
            return [o](const GlobalOptions& g, const Config& cfg) -> int {
              cutover::SwitchContext ctx;
              if (int rc = BuildContext(*o, cfg, ctx); rc != kExitOk) return rc;
              ctx.tty_view = StderrIsTty() && !g.quiet;
              auto out = cutover::RunRollback(ctx, cutover::PrintToStdout);
              int rc = out.status.ok() ? kExitOk : ReportError(out.status.error(), false);
              if (!status::WorkdirHasJournal(ctx.workdir)) return rc;
              return WithReport(ctx.workdir, rc);
            };
          }};
}

}  // namespace hk::cli
