// `hikkoshi migrate`: check → backup (+ restore proof) → clone --follow →
// verify → wait for the window → cutover, as one resumable run. Each stage's
// result is recorded in WORKDIR/migrate.json; a rerun skips what is done and
// still valid, so after any failure or kill -9 the same command continues.
// Everything that happens is an event on the EventStream the caller gives.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conninfo.h"
#include "pipeline/events.h"

namespace hk::pipeline {

struct MigrateOptions {
  pg::ConnInfo source, target;
  std::string workdir = ".hikkoshi";
  std::string config_path;  ///< Passed on to the stage commands ([[notify]], [cutover]).
  std::string exe;          ///< This binary (stages run as its subcommands).
  std::string until;        ///< Stop after this stage ("" = run to the end).
  std::optional<int64_t> window_ms;  ///< Wait for this time before the cutover.
  bool yes = false;                  ///< No question before the freeze.
  bool can_ask = false;              ///< stdin is a terminal.
  bool tty_view = false;             ///< stderr is a terminal: the cutover's drain view.
  std::vector<std::string> backup_to;
  std::string backup_restore_into;  ///< Scratch database for the restore proof ("" = checksums).
  int clone_jobs = 4, index_jobs = 4;
  bool replica_identity_full = false;
  std::vector<std::string> role_map, exclude_tables;
  int64_t lag_report_ms = 30000;  ///< While waiting for the window.
  /// The user notice ("window_notice") goes out this long before the window
  /// (the plan's 24 hours), or at once when the run starts later than that.
  int64_t notice_before_ms = int64_t{24} * 3600 * 1000;
  std::atomic<bool>* stop = nullptr;  ///< Ctrl-C: stop cleanly (progress is kept).
  /// --rehearse --scratch URL: the plan against this scratch database
  /// (pipeline/rehearsal.h); the record goes to WORKDIR/rehearsal.json.
  std::optional<pg::ConnInfo> scratch;
};

struct MigrateOutcome {
  /// A rehearsal's measurements (stage durations, window_ms, ...).
  nlohmann::json rehearsal = nullptr;
  bool finished = false;       ///< Cut over: the application runs on the target.
  std::string stopped_after;   ///< --until's stage, when it stopped there.
  std::string failed_stage;    ///< Set when a stage failed.
  int stage_exit_code = 0;     ///< The failed stage's own exit code (0 = use the error's).
  Error error;
};

MigrateOutcome RunMigrate(const MigrateOptions& o, EventStream& events);

}  // namespace hk::pipeline
