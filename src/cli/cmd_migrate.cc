// `hikkoshi migrate` and `hikkoshi plan`: flags and config only; the stages,
// their order, records and events live in src/pipeline.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "cli/commands.h"
#include "cli/follow_common.h"
#include "common/exit_codes.h"
#include "common/human.h"
#include "cutover/config.h"
#include "cutover/follower_proc.h"
#include "notify/notifier.h"
#include "pipeline/events.h"
#include "pipeline/plan.h"
#include "pipeline/run_migrate.h"
#include "pipeline/stages.h"
#include "pipeline/window.h"

namespace hk::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  if (g_stop.exchange(true)) _exit(kExitInterrupted);
  const char msg[] = "\nhikkoshi: stopping migrate cleanly (rerun it to continue)...\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
}

struct ConnOpts {
  std::string source, target, dir;
  CLI::Option *s = nullptr, *t = nullptr, *d = nullptr;
};

void AddConnOptions(CLI::App* sub, ConnOpts& o) {
  o.s = sub->add_option("--source", o.source, "source database (URI or keyword string)");
  o.t = sub->add_option("--target", o.target, "target database (URI or keyword string)");
  o.d = sub->add_option("--dir", o.dir, "work directory (default .hikkoshi)");
}

Error BadWindow(const std::string& w) {
  return MakeError(ErrorKind::kBadInput, "the window \"" + w + "\" is not a time with a zone",
                   "write it like 2026-12-05T02:00+08:00 (or ...Z for UTC)");
}

/// What the rehearsal measured, and what it predicts for the real run.
void PrintRehearsal(const nlohmann::json& m) {
  if (!m.is_object()) return;
  auto s = [&](const char* k) {
    return m.contains(k) ? HumanDuration(static_cast<double>(m[k].get<int64_t>()) / 1000.0)
                         : std::string("-");
  };
  std::printf("rehearsal measured: check %s, clone and catch-up %s, verify %s, cutover %s\n",
              s("check_ms").c_str(), s("clone_ms").c_str(), s("verify_ms").c_str(),
              s("cutover_ms").c_str());
  if (m.contains("cutover") && m["cutover"].is_object()) {
    const auto& c = m["cutover"];
    int64_t w = c.value("window_ms", int64_t{-1});
    if (w >= 0)
      std::printf(
          "expected write-unavailability in the real cutover: %.3f s (writes paused on the "
          "throwaway copy; rollback took %s)\n",
          static_cast<double>(w) / 1000.0,
          HumanDuration(static_cast<double>(c.value("rollback_ms", int64_t{0})) / 1000.0).c_str());
    for (const auto& d : c.value("dry", nlohmann::json::array()))
      std::printf("  not run in the rehearsal (add its time to the window): %s\n",
                  d.get<std::string>().c_str());
  }
  std::printf(
      "expected duration of the real run: %s plus the backup and the wait for the "
      "window (`hikkoshi plan` shows the runbook with these numbers)\n",
      s("total_ms").c_str());
}

}  // namespace

CommandSpec MigrateCommand() {
  return {
      "migrate",
      "The whole plan as one resumable run: check, backup, clone --follow, verify, window, cutover",
      [](CLI::App* sub) -> Runner {
        struct Opts : ConnOpts {
          std::string until, window, scratch;
          bool yes = false, watch = false, rehearse = false;
        };
        auto o = std::make_shared<Opts>();
        AddConnOptions(sub, *o);
        sub->add_option("--until", o->until, "stop after this stage: " + pipeline::StageNames());
        sub->add_option("--window", o->window,
                        "wait with follow running until this time before the cutover, e.g. "
                        "2026-12-05T02:00+08:00 (default [migrate] window)");
        sub->add_flag("--yes", o->yes, "do not ask before the freeze (unattended runs)");
        sub->add_flag("--watch", o->watch, "after the cutover, continue as `hikkoshi watch`");
        sub->add_flag("--rehearse", o->rehearse,
                      "run the plan against --scratch, measured; the application and the source "
                      "are not switched or frozen");
        sub->add_option("--scratch", o->scratch,
                        "an empty throwaway database for --rehearse (URI or keyword string; "
                        "default [migrate] scratch or HIKKOSHI_SCRATCH)");
        return [o](const GlobalOptions& g, const Config& cfg) -> int {
          auto src = ResolveConn(o->source, o->s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
          if (!src.ok()) return ReportError(src.error(), false);
          auto tgt = ResolveConn(o->target, o->t->count() > 0, "HIKKOSHI_TARGET", "target", cfg, "target");
          if (!tgt.ok()) return ReportError(tgt.error(), false);
          if (!o->until.empty() && pipeline::StageIndex(o->until) < 0)
            return ReportError(MakeError(ErrorKind::kBadInput, "--until " + o->until + " is not a stage",
                                         "name one of: " + pipeline::StageNames()),
                               false);
          pipeline::MigrateOptions mo;
          mo.source = *src;
          mo.target = *tgt;
          mo.workdir = ResolveWorkdir(o->dir, o->d->count() > 0, cfg);
          mo.config_path = cfg.path();
          mo.exe = cutover::SelfExe();
          mo.until = o->until;
          std::string window = o->window;
          cfg.Resolve(window, !o->window.empty(), "HIKKOSHI_WINDOW", "migrate.window");
          if (!window.empty()) {
            mo.window_ms = pipeline::ParseWindowMs(window);
            if (!mo.window_ms) return ReportError(BadWindow(window), false);
          }
          mo.yes = o->yes;
          std::string scratch = o->scratch;
          cfg.Resolve(scratch, !o->scratch.empty(), "HIKKOSHI_SCRATCH", "migrate.scratch");
          if (o->rehearse) {
            if (scratch.empty())
              return ReportError(
                  MakeError(ErrorKind::kBadInput, "--rehearse needs a scratch database",
                            "pass --scratch URL (an empty throwaway database)"),
                  false);
            notify::TurnOff();  // a rehearsal tells nobody anything (#16.3)
            auto sc = pg::ConnInfo::Parse(scratch);
            if (!sc.ok()) return ReportError(sc.TakeError().Context("--scratch"), false);
            mo.scratch = *sc;
            if (o->watch)
              return ReportError(
                  MakeError(ErrorKind::kBadInput, "--watch has no meaning with --rehearse",
                            "drop --watch"),
                  false);
          } else if (!o->scratch.empty()) {
            return ReportError(MakeError(ErrorKind::kBadInput, "--scratch is only for --rehearse",
                                         "add --rehearse, or drop --scratch"),
                               false);
          }
          mo.can_ask = isatty(STDIN_FILENO) != 0;
          mo.tty_view = StderrIsTty() && !g.quiet;
          mo.backup_to = cfg.GetStrings("backup.to");
          mo.backup_restore_into = cfg.Get("backup.restore_into").value_or("");
          if (auto v = cfg.GetInt("clone.jobs")) mo.clone_jobs = static_cast<int>(*v);
          if (auto v = cfg.GetInt("clone.index_jobs")) mo.index_jobs = static_cast<int>(*v);
          mo.replica_identity_full = cfg.GetBool("clone.replica_identity_full").value_or(false);
          mo.role_map = cfg.GetStrings("clone.role_map");
          mo.exclude_tables = cfg.GetStrings("clone.exclude_tables");
          if (const char* ms = std::getenv("HIKKOSHI_TEST_LAG_REPORT_MS")) mo.lag_report_ms = std::atoll(ms);
          if (auto nb = cfg.Get("migrate.notice_before")) {
            auto ms = ParseDuration(*nb, "[migrate] notice_before");
            if (!ms.ok()) return ReportError(ms.error(), false);
            mo.notice_before_ms = *ms;
          }
          mo.stop = &g_stop;
          struct sigaction sa {};
          sa.sa_handler = OnSignal;
          sigemptyset(&sa.sa_mask);
          sigaction(SIGINT, &sa, nullptr);
          sigaction(SIGTERM, &sa, nullptr);

          pipeline::EventStream events;
          events.Subscribe(pipeline::JournalSubscriber(mo.workdir));
          if (!mo.scratch)
            events.Subscribe(pipeline::NotifySubscriber());  // no webhooks for a rehearsal
          if (!g.quiet) events.Subscribe(pipeline::PrintSubscriber());
          pipeline::MigrateOutcome out = pipeline::RunMigrate(mo, events);
          if (!out.failed_stage.empty()) {
            if (out.error.kind == ErrorKind::kInterrupted) {
              std::fprintf(stderr, "hikkoshi: migrate stopped in %s; rerun it to continue\n",
                           out.failed_stage.c_str());
              return kExitInterrupted;
            }
            int code = ReportError(out.error, false);
            return out.stage_exit_code != 0 ? out.stage_exit_code : code;
          }
          if (mo.scratch) {
            PrintRehearsal(out.rehearsal);
            return kExitOk;
          }
          if (!out.finished) return kExitOk;  // --until
          if (o->watch) {
            std::fflush(stdout);
            std::string dir = mo.workdir;
            std::vector<std::string> args = {mo.exe};
            if (!mo.config_path.empty()) {
              args.push_back("--config");
              args.push_back(mo.config_path);
            }
            for (const char* a : {"watch", "--dir"}) args.push_back(a);
            args.push_back(dir);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            // Connection strings travel in the environment, as for followers.
            ::setenv("HIKKOSHI_SOURCE", mo.source.ToKeywordString(true).c_str(), 1);
            ::setenv("HIKKOSHI_TARGET", mo.target.ToKeywordString(true).c_str(), 1);
            ::execv(mo.exe.c_str(), argv.data());
            return ReportError(MakeError(ErrorKind::kInternal, "cannot start `hikkoshi watch`",
                                         "run it yourself: hikkoshi watch --dir " + dir),
                               false);
          }
          return kExitOk;
        };
      }};
}

CommandSpec PlanCommand() {
  return {"plan", "Print the runbook of `hikkoshi migrate` for this config (read-only)",
          [](CLI::App* sub) -> Runner {
            struct Opts : ConnOpts {
              std::string window;
            };
            auto o = std::make_shared<Opts>();
            AddConnOptions(sub, *o);
            sub->add_option("--window", o->window, "the switch window (default [migrate] window)");
            return [o](const GlobalOptions&, const Config& cfg) -> int {
              auto src = ResolveConn(o->source, o->s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
              if (!src.ok()) return ReportError(src.error(), false);
              auto tgt = ResolveConn(o->target, o->t->count() > 0, "HIKKOSHI_TARGET", "target", cfg, "target");
              if (!tgt.ok()) return ReportError(tgt.error(), false);
              pipeline::PlanInput in;
              in.source = *src;
              in.target = *tgt;
              in.workdir = ResolveWorkdir(o->dir, o->d->count() > 0, cfg);
              in.backup_to = cfg.GetStrings("backup.to");
              std::string window = o->window;
              cfg.Resolve(window, !o->window.empty(), "HIKKOSHI_WINDOW", "migrate.window");
              if (!window.empty()) {
                in.window_ms = pipeline::ParseWindowMs(window);
                if (!in.window_ms) return ReportError(BadWindow(window), false);
              }
              auto cc = cutover::LoadCutoverConfig(cfg.path());
              if (cc.ok()) in.max_freeze_ms = cc->max_freeze_ms;
              auto text = pipeline::PlanText(in);
              if (!text.ok()) return ReportError(text.error(), false);
              std::fputs(text->c_str(), stdout);
              return kExitOk;
            };
          }};
}

}  // namespace hk::cli
