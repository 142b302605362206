// `hikkoshi status`: every stage of the migration, from the work directory
// (and, when the databases are known, live numbers from them). The model
// lives in src/status/.
#include <cstdio>

#include "cli/commands.h"
#include "cli/follow_common.h"
#include "cli/status_common.h"
#include "common/exit_codes.h"
#include "status/model.h"

namespace hk::cli {

std::optional<pg::ConnInfo> OptionalConn(const std::string& flag, bool given, const char* env,
                                         const char* key, const Config& cfg) {
  std::string v = flag;
  cfg.Resolve(v, given, env, key);
  if (v.empty()) return std::nullopt;
  auto ci = pg::ConnInfo::Parse(v);
  if (!ci.ok()) return std::nullopt;
  return *ci;
}

CommandSpec StatusCommand() {
  return {"status",
          "Show every stage of the migration: check, backups, clone progress, follow lag, verify, "
          "cutover",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              std::string dir, source, target;
              bool json = false, no_live = false;
              int64_t warn_mb = 1024;
            };
            auto o = std::make_shared<Opts>();
            auto* d = sub->add_option("--dir", o->dir, "work directory (default .hikkoshi)");
            sub->add_flag("--json", o->json, "print the status as JSON on stdout (docs/state.md)");
            sub->add_option("--warn-retained-mb", o->warn_mb,
                            "warn when the slot keeps more WAL than this on the source (default 1024)");
            auto* s = sub->add_option("--source", o->source,
                                      "source database, for live slot lag and retained WAL "
                                      "(default HIKKOSHI_SOURCE / config; none: files only)");
            auto* t = sub->add_option("--target", o->target,
                                      "target database, for live COPY progress (default "
                                      "HIKKOSHI_TARGET / config; none: files only)");
            sub->add_flag("--no-live", o->no_live, "read the work directory only");
            return [o, d, s, t](const GlobalOptions&, const Config& cfg) -> int {
              status::CollectOptions co;
              co.workdir = ResolveWorkdir(o->dir, d->count() > 0, cfg);
              co.warn_retained_bytes = o->warn_mb * 1024 * 1024;
              if (!o->no_live) {
                co.source =
                    OptionalConn(o->source, s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg);
                co.target =
                    OptionalConn(o->target, t->count() > 0, "HIKKOSHI_TARGET", "target", cfg);
              }
              auto m = status::Collect(co);
              if (!m.ok()) return ReportError(m.error(), o->json);
              if (m->Empty())
                return ReportError(
                    MakeError(ErrorKind::kBadInput, "nothing is recorded in " + co.workdir,
                              "pass the work directory of the migration with --dir (the one "
                              "clone, follow or cutover used)"),
                    o->json);
              if (o->json)
                std::printf("%s\n", status::ToJson(*m).dump(2).c_str());
              else
                std::fputs(status::ToText(*m).c_str(), stdout);
              return m->warnings.empty() ? kExitOk : kExitWarnings;
            };
          }};
}

}  // namespace hk::cli
