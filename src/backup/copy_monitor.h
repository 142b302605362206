// What a pg_dump / pg_restore child is doing right now, seen from the server:
// pg_stat_progress_copy (PG14+) and pg_stat_progress_create_index rows of the
// child's backends, found in pg_stat_activity by the application_name the
// child connects with (ChildConnFor). Polled on a connection of its own,
// twice a second, for the live terminal views (backup/progress.h). A failed
// poll or connection is never an error: the sample is empty and the next
// poll tries again. No superuser needed: a role sees its own backends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pg/conninfo.h"

namespace hk::backup {

struct CopyRow {
  std::string table;  ///< "schema.name" (the relid when the table is not visible yet)
  int pid = 0;
  int64_t bytes = 0, tuples = 0;
};

struct IndexRow {
  std::string index, table, phase;
  int pid = 0;
  double fraction = 0;  ///< blocks or tuples done / total of the current phase
};

struct CopySample {
  bool ok = false;  ///< false: the poll failed (nothing is known)
  std::vector<CopyRow> copies;
  std::vector<IndexRow> indexes;
  /// On-disk size of every user table ("schema.name"), in the first sample
  /// after (re)connecting when sizes were asked for; else empty.
  std::map<std::string, int64_t> sizes;
  /// User indexes that exist (committed) in the database; -1 when not polled.
  int64_t indexes_present = -1;
};

class CopyMonitor {
 public:
  /// `command`: "COPY TO" (pg_dump) or "COPY FROM" (pg_restore); index builds
  /// are polled when `indexes` is set, table sizes once when `sizes` is.
  CopyMonitor(pg::ConnInfo db, std::string app_name, std::string command, bool indexes,
              bool sizes = false);
  ~CopyMonitor() { Stop(); }
  CopyMonitor(const CopyMonitor&) = delete;
  CopyMonitor& operator=(const CopyMonitor&) = delete;

  /// Starts polling; `on_sample` is called on the polling thread.
  void Start(std::function<void(const CopySample&)> on_sample);
  /// Stops and joins the thread (an in-flight query finishes first); idempotent.
  void Stop();

 private:
  void Loop();

  pg::ConnInfo db_;
  std::string app_name_, command_;
  bool indexes_, sizes_;
  std::function<void(const CopySample&)> on_sample_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace hk::backup
