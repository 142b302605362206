// `hikkoshi backup`, `hikkoshi backup list`, `hikkoshi backup verify` and
// `hikkoshi restore`. The work lives in src/backup/.
#include <cstdio>

#include "backup/list_backups.h"
#include "backup/run_backup.h"
#include "backup/stop.h"
#include "backup/verify_backup.h"
#include "cli/commands.h"
#include "cli/follow_common.h"
#include "cli/retry_flag.h"
#include "common/exit_codes.h"
#include "common/secrets.h"
#include "status/record.h"

namespace hk::cli {
namespace {

void AddS3Flags(CLI::App* sub, backup::S3Options* s3) {
  sub->add_option("--s3-endpoint", s3->endpoint,
                  "S3-compatible endpoint, e.g. https://ACCOUNT.r2.cloudflarestorage.com or "
                  "http://127.0.0.1:9000");
  sub->add_option("--s3-region", s3->region, "S3 region (default: AWS_REGION, else us-east-1)");
  sub->add_flag("--s3-path-style", s3->path_style,
                "address buckets as ENDPOINT/BUCKET/KEY instead of BUCKET.ENDPOINT/KEY");
}

Result<backup::Location> ParseFrom(const std::string& from) {
  if (from.empty()) {
    return MakeError(ErrorKind::kBadInput, "no backup location given",
                     "pass --from DIR or --from s3://bucket/prefix");
  }
  return backup::Location::Parse(from);
}

void PrintJson(const nlohmann::json& j) { std::printf("%s\n", Scrub(j.dump(2)).c_str()); }

// Verify/restore outcome: 0 proven, 1 problems found, 2 refused to start.
int ReportVerify(const backup::VerifyReport& r, bool json, const char* verb) {
  if (json) {
    PrintJson(r.ToJson());
  } else {
    for (const auto& n : r.notes) std::printf("note: %s\n", Scrub(n).c_str());
    for (const auto& p : r.problems) std::printf("FAILED: %s\n", Scrub(p).c_str());
  }
  if (!r.blocked.empty()) {
    std::fprintf(stderr, "hikkoshi: error: %s\n", Scrub(r.blocked).c_str());
    return kExitBlocked;
  }
  if (!r.problems.empty()) {
    std::fprintf(stderr, "hikkoshi: %s of %s FAILED: %zu problem(s)\n", verb, r.backup.c_str(),
                 r.problems.size());
    return kExitWarnings;
  }
  if (!json) {
    std::printf(
        "%s of %s passed%s\n", verb, r.backup.c_str(),
        r.restore_checked ? " (restored; row counts and sequences match the manifest)" : "");
  }
  return kExitOk;
}

}  // namespace

CommandSpec BackupCommand() {
  return {
      "backup", "Full, checksummed backup with pg_dump to a directory and/or S3 (list, verify)",
      [](CLI::App* sub) -> Runner {
        struct Opts {
          std::string source, name, from, restore_into, list_from, retry_for, dir;
          std::vector<std::string> to;
          int jobs = 1;
          bool json = false;
          backup::S3Options s3;
        };
        auto o = std::make_shared<Opts>();
        sub->require_subcommand(0, 1);
        auto* s = sub->add_option("--source", o->source, "source database (URI or keyword string)");
        sub->add_option("--to", o->to,
                        "destination: a directory or s3://bucket/prefix (repeatable)");
        sub->add_option("--jobs", o->jobs, "parallel pg_dump workers (> 1: directory format)");
        sub->add_option("--name", o->name, "backup name (default: DBNAME-YYYYMMDDTHHMMSSZ)");
        sub->add_flag("--json", o->json, "print the result as JSON on stdout");
        AddRetryForFlag(sub, &o->retry_for);
        AddS3Flags(sub, &o->s3);
        auto* d = sub->add_option("--dir", o->dir,
                                  "work directory: the backup is listed in backups.json for "
                                  "`status` and `report` (default .hikkoshi, when it exists)");

        CLI::App* list =
            sub->add_subcommand("list", "List backups with sizes, ages and verification status");
        list->add_option("--from", o->list_from, "a directory or s3://bucket/prefix")->required();
        list->add_flag("--json", o->json, "print the list as JSON on stdout");
        AddS3Flags(list, &o->s3);

        CLI::App* verify = sub->add_subcommand("verify",
                                               "Re-read every file, check SHA-256 and pg_restore "
                                               "--list; optionally restore and compare");
        verify->add_option("--from", o->from, "a directory or s3://bucket/prefix")->required();
        verify->add_option("--name", o->name, "the backup to verify")->required();
        auto* ri = verify->add_option("--restore-into", o->restore_into,
                                      "an EMPTY scratch database to restore into and compare");
        verify->add_option("--jobs", o->jobs, "parallel pg_restore workers");
        verify->add_flag("--json", o->json, "print the report as JSON on stdout");
        AddS3Flags(verify, &o->s3);

        return [o, s, list, verify, ri, d](const GlobalOptions& g, const Config& cfg) -> int {
          if (list->parsed()) {
            auto loc = ParseFrom(o->list_from);
            if (!loc.ok()) return ReportError(loc.error(), o->json);
            auto entries = backup::ListBackups(*loc, o->s3);
            if (!entries.ok()) return ReportError(entries.error(), o->json);
            if (o->json) {
              PrintJson(backup::BackupListJson(*entries, loc->Describe()));
            } else {
              std::fputs(backup::FormatBackupList(*entries, loc->Describe()).c_str(), stdout);
            }
            return kExitOk;
          }
          if (verify->parsed()) {
            auto loc = ParseFrom(o->from);
            if (!loc.ok()) return ReportError(loc.error(), o->json);
            backup::VerifyOptions vo{*loc, o->name, o->s3, std::nullopt, o->jobs};
            vo.tty_progress = StderrIsTty() && !g.quiet;
            if (ri->count() > 0) {
              auto t = pg::ConnInfo::Parse(o->restore_into);
              if (!t.ok()) return ReportError(t.error(), o->json);
              vo.restore_into = *t;
            }
            auto rep = backup::VerifyBackup(vo);
            if (!rep.ok()) return ReportError(rep.error(), o->json);
            int rc = ReportVerify(*rep, o->json, "verification");
            std::string rec =
                status::RecordDir(ResolveWorkdir(o->dir, d->count() > 0, cfg), d->count() > 0);
            if (!rec.empty())
              (void)status::AppendBackupRecord(rec,
                                               {{"event", "verify"},
                                                {"name", o->name},
                                                {"location", Scrub(loc->Describe())},
                                                {"recorded_at", status::IsoOfMs(status::NowMs())},
                                                {"passed", rc == kExitOk},
                                                {"restore_checked", rep->restore_checked},
                                                {"problems", rep->problems.size()}});
            return rc;
          }
          auto src =
              ResolveConn(o->source, s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
          if (!src.ok()) return ReportError(src.error(), o->json);
          backup::BackupOptions bo{*src, {}, o->jobs, o->name, o->s3};
          auto retry_for = ResolveRetryFor(o->retry_for, o->json);
          if (!retry_for) return kExitUsage;
          bo.retry_for_ms = *retry_for;
          bo.tty_progress = StderrIsTty() && !g.quiet;
          bo.s3.retry_for_ms = *retry_for;  // S3 requests too (#12)
          if (o->to.empty()) {
            return ReportError(MakeError(ErrorKind::kBadInput, "no destination given",
                                         "pass --to DIR and/or --to s3://bucket/prefix"),
                               o->json);
          }
          for (const auto& t : o->to) {
            auto loc = backup::Location::Parse(t);
            if (!loc.ok()) return ReportError(loc.error(), o->json);
            bo.destinations.push_back(*loc);
          }
          // Ctrl-C / SIGTERM: partial files removed, multipart upload aborted (#14).
          backup::SetStopFlag(InstallStopSignals());
          auto out = backup::RunBackup(bo);
          if (!out.ok()) return ReportError(out.error(), o->json);
          const auto& m = out->manifest;
          std::string rec =
              status::RecordDir(ResolveWorkdir(o->dir, d->count() > 0, cfg), d->count() > 0);
          if (!rec.empty()) {
            nlohmann::json where = nlohmann::json::array();
            for (const auto& w : out->stored_at) where.push_back(Scrub(w));
            (void)status::AppendBackupRecord(rec, {{"event", "backup"},
                                                   {"name", m.name},
                                                   {"stored_at", where},
                                                   {"created_at", m.created_at},
                                                   {"completed_at", m.completed_at},
                                                   {"size_bytes", m.TotalSize()},
                                                   {"files", m.files.size()},
                                                   {"lsn", m.source.lsn},
                                                   {"database", m.source.database},
                                                   {"server_version", m.source.server_version}});
          }
          if (o->json) {
            PrintJson({{"schema_version", 1},
                       {"name", m.name},
                       {"stored_at", out->stored_at},
                       {"files", m.files.size()},
                       {"size_bytes", m.TotalSize()},
                       {"lsn", m.source.lsn}});
          } else {
            std::printf("backup %s complete: %zu file(s), %llu bytes, snapshot at LSN %s\n",
                        m.name.c_str(), m.files.size(),
                        static_cast<unsigned long long>(m.TotalSize()), m.source.lsn.c_str());
            for (const auto& w : out->stored_at) std::printf("  stored at %s\n", Scrub(w).c_str());
          }
          return kExitOk;
        };
      }};
}

CommandSpec RestoreCommand() {
  return {"restore",
          "Restore a named backup (checked against its manifest first) into an empty database",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              std::string from, name, target, retry_for;
              int jobs = 1;
              bool json = false, no_owner = false;
              backup::S3Options s3;
            };
            auto o = std::make_shared<Opts>();
            sub->add_option("--from", o->from, "a directory or s3://bucket/prefix")->required();
            sub->add_option("--name", o->name, "the backup to restore")->required();
            auto* t = sub->add_option("--target", o->target,
                                      "an EMPTY target database (URI or keyword string)");
            sub->add_option("--jobs", o->jobs, "parallel pg_restore workers");
            sub->add_flag("--no-owner", o->no_owner,
                          "do not restore ownership and privileges (roles may differ)");
            sub->add_flag("--json", o->json, "print the report as JSON on stdout");
            AddRetryForFlag(sub, &o->retry_for);
            AddS3Flags(sub, &o->s3);
            return [o, t](const GlobalOptions& g, const Config& cfg) -> int {
              auto loc = ParseFrom(o->from);
              if (!loc.ok()) return ReportError(loc.error(), o->json);
              auto tgt = ResolveConn(o->target, t->count() > 0, "HIKKOSHI_TARGET", "target", cfg,
                                     "target");
              if (!tgt.ok()) return ReportError(tgt.error(), o->json);
              backup::RestoreOptions ro{*loc, o->name, o->s3, *tgt, o->jobs, o->no_owner};
              auto retry_for = ResolveRetryFor(o->retry_for, o->json);
              if (!retry_for) return kExitUsage;
              ro.retry_for_ms = *retry_for;
              ro.tty_progress = StderrIsTty() && !g.quiet;
              ro.s3.retry_for_ms = *retry_for;
              auto rep = backup::RestoreBackup(ro);
              if (!rep.ok()) return ReportError(rep.error(), o->json);
              return ReportVerify(*rep, o->json, "restore");
            };
          }};
}

}  // namespace hk::cli
