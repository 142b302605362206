#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cdc/state.h"
#include "cdc/status_report.h"
#include "cdc/trigger_guard.h"
#include "cli/commands.h"
#include "cli/follow_common.h"
#include "common/exit_codes.h"
#include "common/secrets.h"

namespace hk::cli {

CommandSpec StatusCommand() {
  return {"status", "Show follow progress: phase, lag, apply rate, WAL kept by the slot",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              std::string dir;
              bool json = false;
              int64_t warn_mb = 1024;
            };
            auto o = std::make_shared<Opts>();
            auto* d = sub->add_option("--dir", o->dir, "work directory (default .hikkoshi)");
            sub->add_flag("--json", o->json, "print the status as JSON on stdout");
            sub->add_option("--warn-retained-mb", o->warn_mb,
                            "warn when the slot keeps more WAL than this on the source (default 1024)");
            return [o, d](const GlobalOptions&, const Config& cfg) -> int {
              std::string dir = ResolveWorkdir(o->dir, d->count() > 0, cfg);
              auto st = cdc::LoadFollowState(dir);
              if (!st.ok()) return ReportError(st.error(), o->json);
              bool alive = st->pid > 0 && ::kill(st->pid, 0) == 0;
              int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
              auto rep = cdc::JudgeStatus(*st, now, o->warn_mb * 1024 * 1024, alive);
              if (!rep.running && std::filesystem::exists(cdc::TriggerRecordPath(dir)))
                rep.warnings.push_back(
                    "user triggers of the target are disabled by a follow that did not stop "
                    "normally (" +
                    cdc::TriggerRecordPath(dir) +
                    "): `hikkoshi follow` or `hikkoshi cleanup` re-enables them");
              if (o->json) std::printf("%s\n", Scrub(rep.ToJson().dump(2)).c_str());
              else std::fputs(Scrub(rep.ToText()).c_str(), stdout);
              return rep.warnings.empty() ? kExitOk : kExitWarnings;
            };
          }};
}

}  // namespace hk::cli
