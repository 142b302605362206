#include <cstdio>

#include "cli/commands.h"
#include "cli/follow_common.h"
#include "common/exit_codes.h"
#include "common/human.h"
#include "cutover/config.h"
#include "watch/run_watch.h"

namespace hk::cli {

CommandSpec WatchCommand() {
  return {
      "watch",
      "After cutover: verify, probe health and slots periodically; notify; retire after N days",
      [](CLI::App* sub) -> Runner {
        struct Opts {
          std::string source, target, dir, every, retire_after;
          bool once = false;
          int jobs = 2;
        };
        auto o = std::make_shared<Opts>();
        auto* s = sub->add_option("--source", o->source, "the old server (as at clone/follow)");
        auto* t = sub->add_option("--target", o->target, "the new server");
        auto* d = sub->add_option("--dir", o->dir, "work directory (default .hikkoshi)");
        auto* e =
            sub->add_option("--every", o->every, "time between passes (default 6h; watch.every)");
        auto* r = sub->add_option("--retire-after", o->retire_after,
                                  "after this long since the cutover: one last verify, then "
                                  "cleanup on both sides, exit 0 (e.g. 30d; watch.retire_after)");
        sub->add_flag("--once", o->once, "run one pass and exit (0 clean, 1 something found)");
        sub->add_option("--jobs,-j", o->jobs, "tables verified in parallel")
            ->check(CLI::Range(1, 64));
        return [o, s, t, d, e, r](const GlobalOptions&, const Config& cfg) -> int {
          auto src =
              ResolveConn(o->source, s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
          if (!src.ok()) return ReportError(src.error(), false);
          auto tgt =
              ResolveConn(o->target, t->count() > 0, "HIKKOSHI_TARGET", "target", cfg, "target");
          if (!tgt.ok()) return ReportError(tgt.error(), false);
          auto cc = cutover::LoadCutoverConfig(cfg.path());
          if (!cc.ok()) return ReportError(cc.error(), false);
          watch::WatchOptions w;
          w.source = *src;
          w.target = *tgt;
          w.workdir = ResolveWorkdir(o->dir, d->count() > 0, cfg);
          w.cfg = *cc;
          w.once = o->once;
          w.verify_jobs = o->jobs;
          std::string every = o->every, retire = o->retire_after;
          cfg.Resolve(every, e->count() > 0, nullptr, "watch.every");
          cfg.Resolve(retire, r->count() > 0, nullptr, "watch.retire_after");
          if (!every.empty()) {
            auto ms = ParseDuration(every, "--every", watch::kWatchDurations);
            if (!ms.ok() || *ms <= 0)
              return ReportError(MakeError(ErrorKind::kBadInput,
                                           "--every " + every + " is not a positive duration",
                                           "write it like 6h, 90m or 1d"),
                                 false);
            w.every_ms = *ms;
          }
          if (!retire.empty()) {
            auto ms = ParseDuration(retire, "--retire-after", watch::kWatchDurations);
            if (!ms.ok()) {
              Error e = ms.TakeError();
              e.hint = "write it like 30d, 2w or 0s";
              return ReportError(e, false);
            }
            w.retire_after_ms = *ms;
          }
          return watch::RunWatch(w, InstallStopSignals());
        };
      }};
}

}  // namespace hk::cli
