// What the user sees while `hikkoshi backup` and a restore run: on a terminal
// a compact live view (common/live_view.h) fed by CopyMonitor samples of the
// pg_dump / pg_restore child: tables done/total, rows and COPY bytes with
// rate and ETA, a bar per table in flight, index builds (restore), the
// slowest table; then the backup's checksum and upload phases with a bar by
// bytes. Off a terminal nothing is drawn, nothing is polled, and the
// commands' log lines are the record.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backup/copy_monitor.h"
#include "backup/db_facts.h"
#include "common/live_view.h"

namespace hk::backup {

/// Bytes hashed or stored so far by this process (HashFile, local copies,
/// S3 parts): the checksum and upload bars read it.
std::atomic<uint64_t>& BytesMoved();

/// The tables a dump or restore copies, and what the samples say of them. A
/// table is done once its COPY was seen and has ended (or at AllDone()).
class TableTracker {
 public:
  struct Table {
    int64_t rows = 0, size = 0;  ///< Exact rows (manifest facts); on-disk size (0: unknown).
    int64_t bytes = 0, tuples = 0;
    bool done = false;
  };
  /// The manifest's tables and rows; `indexes_total`: its index count (-1: unknown).
  void SetTables(const DbFacts& facts, int64_t indexes_total = -1);
  void OnSample(const CopySample& s);
  void AllDone();
  /// "tables 2/3  rows 1200/5000"
  std::string Counts();
  /// The first line (counts, COPY bytes with rate and ETA; once all are done
  /// just the counts and the time taken) and, with `detail`, a line per table
  /// and index build in flight, the indexes present and the slowest table.
  std::vector<std::string> Lines(const std::string& phase, const std::string& extra, bool detail);

 private:
  std::mutex mu_;
  std::map<std::string, Table> tables_;
  std::map<int, std::pair<std::string, std::chrono::steady_clock::time_point>> in_flight_;  // pid
  std::vector<IndexRow> indexes_;
  int64_t indexes_present_ = -1, indexes_total_ = -1;
  std::string slowest_;
  double slowest_s_ = -1;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), end_{};
};

class BackupProgress {
 public:
  explicit BackupProgress(bool tty) : view_(tty, [this] { return Render(); }) {}
  ~BackupProgress() { Stop(); }
  bool tty() const { return view_.tty(); }

  /// The dump starts: pg_dump connects to `source` as `app_name`; what it
  /// writes lands in `dump_path` (a file or a directory).
  void StartDump(const pg::ConnInfo& source, const std::string& app_name, const DbFacts& facts,
                 const std::string& dump_path);
  void DumpDone();
  void StartChecksums(uint64_t total_bytes);
  void StartUpload(std::vector<std::string> destinations, uint64_t bytes_each);
  void DestinationDone();
  void Done();
  /// Stops monitor and view; the first line stays as the last frame.
  void Stop();

 private:
  std::vector<std::string> Render();

  std::mutex mu_;
  std::string phase_ = "dump", dump_path_;
  std::vector<std::string> dests_;
  size_t dest_done_ = 0;
  uint64_t phase_total_ = 0, written_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), phase_start_;
  TableTracker tables_;
  std::unique_ptr<CopyMonitor> monitor_;
  LiveView view_;  // last: stopped before the members its render reads
};

class RestoreProgress {
 public:
  /// pg_restore connects to `target` as `app_name`; `facts` (the manifest's)
  /// name the tables and their rows; nullptr: tables as they come.
  RestoreProgress(bool tty, const pg::ConnInfo& target, const std::string& app_name,
                  const DbFacts* facts);
  ~RestoreProgress() { Stop(false); }
  void Stop(bool ok);

 private:
  std::vector<std::string> Render();

  TableTracker tables_;
  std::atomic<bool> done_{false};
  std::unique_ptr<CopyMonitor> monitor_;
  LiveView view_;  // last
};

}  // namespace hk::backup
