#include <cstdio>

#include "check/run_check.h"
#include "cli/commands.h"
#include "cli/follow_common.h"
#include "common/secrets.h"
#include "status/record.h"

namespace hk::cli {

CommandSpec CheckCommand() {
  return {"check", "Preflight: can this source be moved to this target? (read-only)",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              std::string source, target, dir;
              bool json = false, drop_if_exists = false;
            };
            auto o = std::make_shared<Opts>();
            auto* s = sub->add_option("--source", o->source, "source database (URI or keyword string)");
            auto* t = sub->add_option("--target", o->target, "target database (URI or keyword string)");
            sub->add_flag("--json", o->json, "print the report as JSON on stdout");
            sub->add_flag("--drop-if-exists", o->drop_if_exists,
                          "a non-empty target is a warning, not a blocker (clone will replace it)");
            auto* d = sub->add_option("--dir", o->dir,
                                      "work directory: the result is kept in check.json for "
                                      "`status` and `report` (default .hikkoshi, when it exists)");
            return [o, s, t, d](const GlobalOptions&, const Config& cfg) -> int {
              auto src = ResolveConn(o->source, s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
              if (!src.ok()) return ReportError(src.error(), o->json);
              auto tgt = ResolveConn(o->target, t->count() > 0, "HIKKOSHI_TARGET", "target", cfg, "target");
              if (!tgt.ok()) return ReportError(tgt.error(), o->json);
              check::CheckOptions co{*src, *tgt, o->drop_if_exists};
              auto report = check::RunCheck(co);
              if (!report.ok()) return ReportError(report.error(), o->json);
              std::string rec =
                  status::RecordDir(ResolveWorkdir(o->dir, d->count() > 0, cfg), d->count() > 0);
              if (!rec.empty()) {
                nlohmann::json j = {{"schema_version", 1},
                                    {"recorded_at", status::IsoOfMs(status::NowMs())},
                                    {"report", status::ScrubJson(report->ToJson())}};
                if (Status w = status::WriteRecord(rec, "check.json", j); !w.ok())
                  std::fprintf(stderr, "hikkoshi: warning: %s\n", w.error().message.c_str());
              }
              if (o->json) {
                std::printf("%s\n", Scrub(report->ToJson().dump(2)).c_str());
              } else {
                std::fputs(report->ToText(StdoutIsTty()).c_str(), stdout);
              }
              return report->ExitCode();
            };
          }};
}

}  // namespace hk::cli
