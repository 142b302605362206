#include "pipeline/plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pg/connection.h"
#include "pipeline/stage_record.h"
#include "pipeline/stages.h"
#include "status/record.h"

namespace hk::pipeline {
namespace {

// Assumed rates when nothing was measured yet (stated as assumptions).
constexpr double kCopyBytesPerSec = 40e6;    // copy + index builds
constexpr double kBackupBytesPerSec = 60e6;  // pg_dump + checksums
constexpr double kVerifyBytesPerSec = 80e6;  // hashing both sides

std::string Human(double seconds) {
  if (seconds < 60) return fmt::format("{:.0f} s", seconds < 1 ? 1 : seconds);
  if (seconds < 3600) return fmt::format("{:.0f} min", seconds / 60);
  return fmt::format("{:.1f} h", seconds / 3600);
}

}  // namespace

Result<std::string> PlanText(const PlanInput& in) {
  HK_ASSIGN_OR_RETURN(pg::Connection src, pg::Connection::Open(in.source));
  HK_ASSIGN_OR_RETURN(
      pg::QueryResult r,
      src.Exec("SELECT pg_database_size(current_database())::text, (SELECT count(*) FROM "
               "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN "
               "('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema'))::text"));
  double bytes = std::stod(r.Str(0, 0));
  std::string tables = r.Str(0, 1);
  // Measured durations: the real run's record first, else a rehearsal's.
  MigrateRecord measured;
  std::string measured_from;
  for (const char* name : {kMigrateRecord, kRehearsalRecord}) {
    auto rec = LoadMigrateRecord(in.workdir, name);
    if (rec.ok() && !rec->stages.empty()) {
      measured = *rec;
      measured_from = std::string(in.workdir) + "/" + name;
      break;
    }
  }
  std::string out = fmt::format(
      "hikkoshi migrate: the runbook\n  source {} ({:.1f} MB, {} tables)\n  target {}\n"
      "  work directory {}\n\n",
      in.source.Redacted(), bytes / 1e6, tables, in.target.Redacted(), in.workdir);
  double total = 0;
  int n = 1;
  for (const auto& s : Stages()) {
    std::string name = s.name;
    double est = 5;
    std::string basis = "assumed";
    if (name == "backup") est = in.backup_to.empty() ? 0 : bytes / kBackupBytesPerSec + 5;
    if (name == "clone") est = bytes / kCopyBytesPerSec + 10;
    if (name == "verify") est = bytes / kVerifyBytesPerSec + 5;
    if (name == "window") {
      est = 0;
      basis = in.window_ms ? "until " + status::IsoOfMs(*in.window_ms) : "no window: at once";
    }
    if (name == "cutover") est = in.max_freeze_ms > 0 ? in.max_freeze_ms / 1000.0 + 15 : 20;
    if (auto it = measured.stages.find(name);
        it != measured.stages.end() && it->second.state == "done" && name != "window") {
      est = it->second.duration_ms / 1000.0;
      basis = "measured in " + measured_from;
    } else if (name != "window") {
      basis = name == "cutover" ? "assumed: up to max_freeze frozen, plus health checks"
                                : fmt::format("assumed from {:.1f} MB", bytes / 1e6);
    }
    total += est;
    out += fmt::format("{}. {}  (~{}, {})\n   does:          {}\n   precondition:  {}\n"
                       "   rollback:      {}\n",
                       n++, name, Human(est), basis, s.does, s.precondition, s.rollback);
    if (name == "backup")
      out += in.backup_to.empty() ? "   destinations:  none ([backup] to): skipped\n"
                                  : fmt::format("   destinations:  {}\n", fmt::join(in.backup_to, ", "));
    if (name == "cutover") {
      auto rec = LoadMigrateRecord(in.workdir, kRehearsalRecord);
      if (rec.ok())
        if (auto it = rec->stages.find("cutover"); it != rec->stages.end())
          if (auto w = it->second.detail.find("window_ms");
              w != it->second.detail.end() && w->is_number())
            out += fmt::format("   expected write-unavailability: {:.1f} s (rehearsal)\n",
                               w->get<double>() / 1000.0);
    }
  }
  out += fmt::format("\nestimated total (without waiting for the window): ~{}\n", Human(total));
  out += "after the cutover: `hikkoshi watch` compares both servers while reverse replication "
         "runs; `hikkoshi rollback` goes back at any time until `watch --retire-after` cleans up\n";
  return out;
}

}  // namespace hk::pipeline
