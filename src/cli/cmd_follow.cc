#include <cstdio>

#include <cstdlib>

#include "cdc/follow.h"
#include "cdc/setup.h"
#include "cdc/target_table.h"
#include "cli/commands.h"
#include "common/subprocess.h"
#include "cli/follow_common.h"
#include "status/follow_view.h"
#include "common/exit_codes.h"
#include "common/human.h"
#include "common/log.h"
#include "cutover/config.h"

namespace hk::cli {

CommandSpec FollowCommand() {
  return {"follow", "Keep the target in sync with the source's changes (resumes where it stopped)",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              std::string source, target, dir, until_lsn;
              bool until_caught_up = false;
              int status_interval_ms = 1000;
              int max_batch = 200;
              bool setup = false, identity_full = false;
              std::vector<std::string> tables;
              std::string copy_command;
              std::string apply_mode = "auto", trigger_mode = "auto";
              std::string stall_timeout;
            };
            auto o = std::make_shared<Opts>();
            auto* s = sub->add_option("--source", o->source, "source database (URI or keyword string)");
            auto* t = sub->add_option("--target", o->target, "target database (URI or keyword string)");
            auto* d = sub->add_option("--dir", o->dir, "work directory (default .hikkoshi)");
            auto* u = sub->add_option("--until-lsn", o->until_lsn, "stop once applied up to this source LSN (X/Y)");
            sub->add_flag("--until-caught-up", o->until_caught_up,
                          "stop once the target has everything the source had committed at start")
                ->excludes(u);
            sub->add_option("--status-interval", o->status_interval_ms,
                            "milliseconds between status updates to the source and to WORKDIR/follow.json")
                ->check(CLI::Range(10, 600000));
            sub->add_option("--max-batch", o->max_batch, "source transactions per target transaction at most")
                ->check(CLI::Range(1, 100000));
            sub->add_flag("--setup", o->setup,
                          "only create the publication, the slot and WORKDIR/follow.json, then exit "
                          "(clone --follow does this for you)");
            sub->add_option("--tables", o->tables, "with --setup: tables to publish (default: all)")
                ->delimiter(',');
            sub->add_flag("--replica-identity-full", o->identity_full,
                          "with --setup: set REPLICA IDENTITY FULL on published tables without a primary key");
            sub->add_option("--copy-command", o->copy_command,
                            "with --setup: shell command run while the slot's snapshot is held; it finds "
                            "the snapshot name in $HIKKOSHI_SNAPSHOT (e.g. pg_dump --snapshot=...)");
            auto* am = sub->add_option(
                "--apply-mode", o->apply_mode,
                "where the apply position is kept: origin (a replication origin on the "
                "target), progress-table (hikkoshi.apply_progress) or auto (origin when "
                "the role may use it; also HIKKOSHI_APPLY_MODE)");
            am->check(CLI::IsMember({"auto", "origin", "progress-table"}));
            auto* tm = sub->add_option(
                "--trigger-mode", o->trigger_mode,
                "how user triggers are kept from firing twice: replica-role "
                "(session_replication_role), disable-triggers (recorded, disabled while "
                "following, restored) or auto (replica-role when the role may set it; also "
                "HIKKOSHI_TRIGGER_MODE)");
            tm->check(CLI::IsMember({"auto", "replica-role", "disable-triggers"}));
            sub->add_option("--stall-timeout", o->stall_timeout,
                            "reconnect when the source sent no message and no keepalive for this "
                            "long (default 30s; 0 disables the watchdog)");
            return [o, s, t, d, am, tm](const GlobalOptions&, const Config& cfg) -> int {
              auto src = ResolveConn(o->source, s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
              if (!src.ok()) return ReportError(src.error(), false);
              auto tgt = ResolveConn(o->target, t->count() > 0, "HIKKOSHI_TARGET", "target", cfg, "target");
              if (!tgt.ok()) return ReportError(tgt.error(), false);
              if (o->setup) {
                cdc::FollowSetupOptions so;
                so.source = *src;
                so.target_redacted = tgt->Redacted();
                so.workdir = ResolveWorkdir(o->dir, d->count() > 0, cfg);
                so.tables = o->tables;
                so.replica_identity_full = o->identity_full;
                so.copy_pending = !o->copy_command.empty();
                auto setup = cdc::StartFollowSetup(so);
                if (!setup.ok()) {
                  return ReportError(setup.error(), false);
                }
                if (!o->copy_command.empty()) {
                  setenv("HIKKOSHI_SNAPSHOT", setup->snapshot.snapshot_name().c_str(), 1);
                  // The operator's own command, through the shell, its output on ours.
                  ProcessOptions po;
                  po.stdout_fd = 1;
                  po.stderr_fd = 2;
                  po.linger_ms = 0;
                  auto ran = RunProcess({"/bin/sh", "-c", o->copy_command}, po);
                  int rc = ran.ok() ? ran->exit_code : 127;
                  if (rc != 0) {
                    // The slot is useless without its snapshot: drop it again (#10.19).
                    setup->snapshot.Release();
                    Status dropped = cdc::AbandonFollowSetup(*src, setup->state);
                    cdc::FollowState st = setup->state;
                    st.phase = "cleaned-up";
                    if (dropped.ok()) (void)cdc::SaveFollowState(so.workdir, st);
                    std::fprintf(
                        stderr,
                        "hikkoshi: error: --copy-command failed (status %d)\n"
                        "hikkoshi: fix: %s\n",
                        rc,
                        dropped.ok()
                            ? "the slot was dropped again; fix the command and set up again"
                            : "fix the command, then `hikkoshi cleanup` and set up again");
                    return kExitInternal;
                  }
                  if (Status st = cdc::MarkCopyDone(so.workdir); !st.ok())
                    return ReportError(st.error(), false);
                }
                std::printf("slot %s at %s, snapshot %s\n", setup->state.slot.c_str(),
                            cdc::FormatLsn(setup->snapshot.consistent_point()).c_str(),
                            setup->snapshot.snapshot_name().c_str());
                return kExitOk;
              }
              cdc::FollowOptions fo;
              fo.source = *src;
              fo.target = *tgt;
              fo.workdir = ResolveWorkdir(o->dir, d->count() > 0, cfg);
              fo.until_caught_up = o->until_caught_up;
              fo.status_interval_ms = o->status_interval_ms;
              fo.max_batch_txns = o->max_batch;
              // Also from the environment, so the followers cutover and
              // rollback start can be given a mode.
              fo.apply_mode =
                  am->count() > 0 ? o->apply_mode : EnvOr("HIKKOSHI_APPLY_MODE", "auto");
              fo.trigger_mode =
                  tm->count() > 0 ? o->trigger_mode : EnvOr("HIKKOSHI_TRIGGER_MODE", "auto");
              if (!o->stall_timeout.empty()) {
                auto ms = ParseDuration(o->stall_timeout, "--stall-timeout", {.max_ms = kDayMs});
                if (!ms.ok()) {
                  Error e = ms.TakeError();
                  e.hint = "write it like 30s or 2m (at most 24h), or 0 to disable";
                  return ReportError(e, false);
                }
                fo.stall_timeout_ms = static_cast<int>(*ms);
              }
              if (!o->until_lsn.empty()) {
                fo.until_lsn = cdc::ParseLsn(o->until_lsn);
                if (!fo.until_lsn)
                  return ReportError(MakeError(ErrorKind::kBadInput, "--until-lsn " + o->until_lsn + " is not an LSN",
                                               "write it as PostgreSQL prints it, e.g. 16/B374D848"),
                                     false);
              }
              fo.stop = InstallStopSignals();
              status::FollowView view(StderrIsTty(), fo.workdir);
              view.Start();
              auto r = cdc::RunFollow(fo);
              view.Stop();
              if (!r.ok()) {
                return ReportError(r.error(), false);
              }
              LogInfo("applied up to {} ({} transactions, {} rows this run)", cdc::FormatLsn(r->applied_lsn),
                      r->txns_applied, r->rows_applied);
              return kExitOk;
            };
          }};
}

}  // namespace hk::cli
