#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "cli/commands.h"
#include "cli/retry_flag.h"
#include "cli/follow_common.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/secrets.h"
#include "status/record.h"
#include "notify/verify_event.h"
#include "verify/verify.h"

namespace hk::cli {

CommandSpec VerifyCommand() {
  return {
      "verify", "Prove the target equals the source, or name every difference (read-only)",
      [](CLI::App* sub) -> Runner {
        struct Opts {
          std::string source, target, retry_for, dir, stall_timeout;
          bool json = false, schema_only = false, data_only = false;
          verify::VerifyOptions v;
        };
        auto o = std::make_shared<Opts>();
        auto* s = sub->add_option("--source", o->source, "source database (URI or keyword string)");
        auto* t = sub->add_option("--target", o->target, "target database (URI or keyword string)");
        sub->add_option("--jobs,-j", o->v.jobs,
                        "tables compared in parallel (connections per side)")
            ->check(CLI::Range(1, 64))
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        sub->add_flag("--json", o->json, "print the report as JSON on stdout");
        sub->add_option("--include", o->v.include,
                        "only tables matching this glob (schema.table or table); repeatable");
        sub->add_option("--exclude", o->v.exclude, "skip tables matching this glob; repeatable");
        auto* so = sub->add_flag("--schema-only", o->schema_only, "compare schema objects only");
        auto* dof = sub->add_flag("--data-only", o->data_only,
                                  "compare table contents and large objects only");
        so->excludes(dof);
        sub->add_option("--max-diffs", o->v.max_diffs, "differences to list (the rest are counted)")
            ->check(CLI::Range(1, 1000000))
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        sub->add_option("--retries", o->v.retries,
                        "re-checks of a differing chunk at fresh snapshots (live source)")
            ->check(CLI::Range(0, 100))
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        sub->add_option("--retry-wait", o->v.retry_wait_ms, "milliseconds before each re-check")
            ->check(CLI::Range(0, 600000))
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        sub->add_flag("--sequences-informational,--following", o->v.sequences_informational,
                      "while follow runs: report differing sequence values (cutover sets them; "
                      "logical decoding does not carry them) and user triggers follow disabled "
                      "on the target (disable-triggers mode) as informational");
        sub->add_option("--chunk-rows", o->v.chunk_rows, "rows per hash chunk (default 2000)")
            ->check(CLI::Range(int64_t{100}, int64_t{1000000000}))
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        sub->add_option("--chunking", o->v.chunking,
                        "first-pass chunks of an integer key: auto (key / width) or "
                        "width-bucket (sampled thresholds, the older mode)")
            ->check(CLI::IsMember({"auto", "width-bucket"}))
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        AddRetryForFlag(sub, &o->retry_for);
        AddStallTimeoutFlag(sub, &o->stall_timeout);
        auto* d = sub->add_option("--dir", o->dir,
                                  "work directory: the result is kept in verify.json for `status` "
                                  "and `report` (default .hikkoshi, when it exists)");
        return [o, s, t, d](const GlobalOptions& g, const Config& cfg) -> int {
          auto src =
              ResolveConn(o->source, s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
          if (!src.ok()) return ReportError(src.error(), o->json);
          auto tgt =
              ResolveConn(o->target, t->count() > 0, "HIKKOSHI_TARGET", "target", cfg, "target");
          if (!tgt.ok()) return ReportError(tgt.error(), o->json);
          verify::VerifyOptions v = o->v;
          auto retry_for = ResolveRetryFor(o->retry_for, o->json);
          if (!retry_for) return kExitUsage;
          v.retry_for_ms = *retry_for;
          if (!ApplyStallTimeout(o->stall_timeout, o->json)) return kExitUsage;
          v.source = *src;
          v.target = *tgt;
          v.schema = !o->data_only;
          v.data = !o->schema_only;
          v.progress_tty = StderrIsTty() && !g.quiet;
          v.progress_log = !g.quiet;
          std::string rec =
              status::RecordDir(ResolveWorkdir(o->dir, d->count() > 0, cfg), d->count() > 0);
          int64_t started = status::NowMs();
          if (!rec.empty()) {
            // While it runs: tables done/total, rows, differences so far, for
            // `status` and `serve` (docs/state.md, verify-progress.json).
            v.on_progress = [rec, started](const verify::ProgressSnapshot& p) {
              nlohmann::json j = {{"schema_version", 1},
                                  {"pid", static_cast<int64_t>(getpid())},
                                  {"started_at", status::IsoOfMs(started)},
                                  {"start_ms", started},
                                  {"updated_ms", status::NowMs()},
                                  {"finished", p.finished},
                                  {"tables_total", p.tables_total},
                                  {"tables_done", p.tables_done},
                                  {"rows", p.rows},
                                  {"differences", p.differences},
                                  {"bytes_total", p.bytes_total},
                                  {"bytes_done", p.bytes_done},
                                  {"in_flight", p.in_flight},
                                  {"seconds", p.seconds}};
              if (Status w = status::WriteRecord(rec, "verify-progress.json", j); !w.ok())
                LogDebug("verify: progress not recorded: {}", w.error().message);
            };
          }
          // Ctrl-C stops verify (it only reads; the record stays unfinished
          // and `status` says interrupted), also when started from a shell
          // that ignores SIGINT for background jobs.
          std::signal(SIGINT, SIG_DFL);
          std::signal(SIGTERM, SIG_DFL);
          auto report = verify::RunVerify(v);
          if (!report.ok()) {
            return ReportError(report.error(), o->json);
          }
          if (!rec.empty()) {
            int64_t ended = status::NowMs();
            nlohmann::json j = {{"schema_version", 1},
                                {"started_at", status::IsoOfMs(started)},
                                {"finished_at", status::IsoOfMs(ended)},
                                {"start_ms", started},
                                {"end_ms", ended},
                                {"exit_code", report->ExitCode()},
                                {"scope", o->schema_only ? "schema"
                                          : o->data_only ? "data"
                                                         : "all"},
                                {"report", status::ScrubJson(report->ToJson())}};
            if (Status w = status::WriteRecord(rec, "verify.json", j); !w.ok())
              std::fprintf(stderr, "hikkoshi: warning: %s\n", w.error().message.c_str());
          }
          notify::EmitIfDifferent(*report);
          if (o->json) {
            std::printf("%s\n", Scrub(report->ToJson().dump(
                                          2, ' ', false, nlohmann::json::error_handler_t::replace))
                                    .c_str());
          } else {
            std::fputs(Scrub(report->ToText()).c_str(), stdout);
          }
          return report->ExitCode();
        };
      }};
}

}  // namespace hk::cli
