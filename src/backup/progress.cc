#include "backup/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "common/human.h"

namespace hk::backup {
namespace {

namespace fs = std::filesystem;

std::string Bytes(double b) { return HumanBytes(static_cast<int64_t>(b)); }

// What pg_dump has written so far: a file, or every file under a directory.
uint64_t SizeOnDisk(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
  uint64_t n = 0;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) n += it->file_size(e2);
  }
  return n;
}

std::string Short(const std::string& s, size_t n = 32) {
  return s.size() > n ? s.substr(0, n - 1) + "~" : s;
}

std::string Eta(double elapsed, double fraction) {
  if (fraction <= 0.005 || fraction >= 1 || elapsed < 1) return "--";
  return HumanDuration(elapsed * (1 - fraction) / fraction);
}

}  // namespace

std::atomic<uint64_t>& BytesMoved() {
  static std::atomic<uint64_t> n{0};
  return n;
}

// ---- TableTracker ----

void TableTracker::SetTables(const DbFacts& facts, int64_t indexes_total) {
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& t : facts.tables) tables_[t.schema + "." + t.name].rows = t.rows;
  indexes_total_ = indexes_total;
  start_ = std::chrono::steady_clock::now();
}

void TableTracker::OnSample(const CopySample& s) {
  if (!s.ok) return;  // nothing known: keep what was seen
  std::lock_guard<std::mutex> l(mu_);
  auto now = std::chrono::steady_clock::now();
  for (const auto& [name, size] : s.sizes) {
    auto it = tables_.find(name);
    if (it != tables_.end()) it->second.size = size;
  }
  std::set<int> seen;
  for (const auto& c : s.copies) {
    seen.insert(c.pid);
    auto& t = tables_[c.table];  // a table the facts did not name still counts
    t.bytes = c.bytes;
    t.tuples = c.tuples;
    auto f = in_flight_.find(c.pid);
    if (f != in_flight_.end() && f->second.first != c.table) {
      // The backend moved on: its previous table is done.
      auto& prev = tables_[f->second.first];
      prev.done = true;
      double secs = std::chrono::duration<double>(now - f->second.second).count();
      if (secs > slowest_s_) slowest_s_ = secs, slowest_ = f->second.first;
      in_flight_.erase(f);
    }
    in_flight_.try_emplace(c.pid, c.table, now);
  }
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    tables_[it->second.first].done = true;
    double secs = std::chrono::duration<double>(now - it->second.second).count();
    if (secs > slowest_s_) slowest_s_ = secs, slowest_ = it->second.first;
    it = in_flight_.erase(it);
  }
  indexes_ = s.indexes;
  if (s.indexes_present >= 0) indexes_present_ = s.indexes_present;
}

void TableTracker::AllDone() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [name, t] : tables_) t.done = true;
  in_flight_.clear();
  end_ = std::chrono::steady_clock::now();
  indexes_.clear();
}

std::string TableTracker::Counts() {
  std::lock_guard<std::mutex> l(mu_);
  int done = 0;
  int64_t rows = 0, rows_total = 0;
  for (const auto& [name, t] : tables_) {
    rows_total += t.rows;
    rows += t.done ? std::max(t.rows, t.tuples) : t.tuples;
    done += t.done ? 1 : 0;
  }
  return fmt::format("tables {}/{}  rows {}/{}", done, tables_.size(), rows, rows_total);
}

std::vector<std::string> TableTracker::Lines(const std::string& phase, const std::string& extra,
                                             bool detail) {
  std::string counts = Counts();
  std::lock_guard<std::mutex> l(mu_);
  auto now = std::chrono::steady_clock::now();
  bool finished = end_ != std::chrono::steady_clock::time_point{};
  double elapsed = std::chrono::duration<double>((finished ? end_ : now) - start_).count();
  if (finished)  // the last sample's COPY bytes are not the total: counts only
    return {fmt::format("{:<10} {}  in {}{}", phase, counts, HumanDuration(elapsed), extra)};
  int64_t bytes = 0;
  double weight = 0, weight_done = 0;
  for (const auto& [name, t] : tables_) {
    bytes += t.bytes;
    double f =
        t.done ? 1.0 : (t.rows > 0 ? std::min(0.99, double(t.tuples) / double(t.rows)) : 0.0);
    double w = t.size > 0 ? double(t.size) : double(t.rows) * 100 + 8192;  // ~100 B a row
    weight += w;
    weight_done += w * f;
  }
  double fraction = weight > 0 ? weight_done / weight : 0;
  std::vector<std::string> out = {fmt::format(
      "{:<10} {}  {} copied  {}/s{}  ETA {}", phase, counts, Bytes(static_cast<double>(bytes)),
      Bytes(elapsed > 0 ? bytes / elapsed : 0), extra, Eta(elapsed, fraction))};
  if (!detail) return out;
  std::string slowest = slowest_;
  double slowest_s = slowest_s_;
  for (const auto& [pid, f] : in_flight_) {
    const Table& t = tables_[f.first];
    double p = t.rows > 0   ? std::min(0.99, double(t.tuples) / double(t.rows))
               : t.size > 0 ? std::min(0.99, double(t.bytes) / double(t.size))
                            : 0;
    double secs = std::chrono::duration<double>(now - f.second).count();
    if (secs > slowest_s) slowest_s = secs, slowest = f.first;
    out.push_back(fmt::format("  {:<32} {} {:>3.0f}%  {} rows  {}  {}", Short(f.first), Bar(p),
                              p * 100, t.tuples, Bytes(static_cast<double>(t.bytes)),
                              HumanDuration(secs)));
  }
  for (const auto& x : indexes_)
    out.push_back(fmt::format("  index {:<26} {} {:>3.0f}%  on {}: {}", Short(x.index, 26),
                              Bar(x.fraction), x.fraction * 100, x.table, x.phase));
  if (indexes_present_ >= 0)
    out.push_back(indexes_total_ >= 0
                      ? fmt::format("  indexes {}/{}", indexes_present_, indexes_total_)
                      : fmt::format("  indexes {}", indexes_present_));
  if (!slowest.empty())
    out.push_back(fmt::format("  slowest table: {} ({})", slowest, HumanDuration(slowest_s)));
  return out;
}

// ---- BackupProgress ----

void BackupProgress::StartDump(const pg::ConnInfo& source, const std::string& app_name,
                               const DbFacts& facts, const std::string& dump_path) {
  if (!view_.tty()) return;  // off a terminal: no poll, the log lines are the record
  tables_.SetTables(facts);
  {
    std::lock_guard<std::mutex> l(mu_);
    phase_ = "dump";
    dump_path_ = dump_path;
    phase_start_ = std::chrono::steady_clock::now();
  }
  monitor_ = std::make_unique<CopyMonitor>(source, app_name, "COPY TO", false, true);
  monitor_->Start([this](const CopySample& s) { tables_.OnSample(s); });
  view_.Start();
}

void BackupProgress::DumpDone() {
  if (monitor_) monitor_->Stop();
  tables_.AllDone();
  std::string path;
  {
    std::lock_guard<std::mutex> l(mu_);
    path = dump_path_;
  }
  uint64_t w = view_.tty() ? SizeOnDisk(path) : 0;
  std::lock_guard<std::mutex> l(mu_);
  written_ = w;
}

void BackupProgress::StartChecksums(uint64_t total_bytes) {
  BytesMoved() = 0;
  std::lock_guard<std::mutex> l(mu_);
  phase_ = "checksums";
  phase_total_ = total_bytes;
  phase_start_ = std::chrono::steady_clock::now();
}

void BackupProgress::StartUpload(std::vector<std::string> destinations, uint64_t bytes_each) {
  BytesMoved() = 0;
  std::lock_guard<std::mutex> l(mu_);
  phase_ = "upload";
  dests_ = std::move(destinations);
  dest_done_ = 0;
  phase_total_ = bytes_each;
  phase_start_ = std::chrono::steady_clock::now();
}

void BackupProgress::DestinationDone() {
  std::lock_guard<std::mutex> l(mu_);
  ++dest_done_;
}

void BackupProgress::Done() {
  std::lock_guard<std::mutex> l(mu_);
  phase_ = "done";
}

void BackupProgress::Stop() {
  if (monitor_) monitor_->Stop();
  view_.Stop();
}

std::vector<std::string> BackupProgress::Render() {
  std::unique_lock<std::mutex> l(mu_);
  std::string phase = phase_, path = dump_path_;
  double secs = SecondsSince(phase_start_);
  if (phase == "dump") {
    l.unlock();
    uint64_t w = SizeOnDisk(path);
    return tables_.Lines("dump", fmt::format("  written {}", Bytes(double(w))), true);
  }
  std::string counts = tables_.Counts();
  if (phase == "done") {
    return {fmt::format("backup     done in {}  {}  dump {}  stored in {} destination(s)",
                        HumanDuration(SecondsSince(start_)), counts, Bytes(double(written_)),
                        dests_.size())};
  }
  uint64_t moved = BytesMoved();
  double rate = secs > 0 ? moved / secs : 0;
  if (phase == "checksums") {
    double p = phase_total_ > 0 ? double(moved) / double(phase_total_) : 0;
    return {
        fmt::format("checksums  {} {:>3.0f}%  {} of {}  {}/s  ETA {}", Bar(p), p * 100,
                    Bytes(double(moved)), Bytes(double(phase_total_)), Bytes(rate), Eta(secs, p)),
        fmt::format("  dump: {}  {} written", counts, Bytes(double(written_)))};
  }
  // upload: destinations one after the other, each gets every file.
  uint64_t total = phase_total_ * dests_.size();
  uint64_t done_bytes = std::min<uint64_t>(phase_total_ * dest_done_ + moved, total);
  double all = total > 0 ? double(done_bytes) / double(total) : 0;
  std::vector<std::string> out = {fmt::format(
      "upload     destinations {}/{}  {} of {}  {}/s  ETA {}", dest_done_, dests_.size(),
      Bytes(double(done_bytes)), Bytes(double(total)), Bytes(rate), Eta(secs, all))};
  for (size_t i = 0; i < dests_.size(); ++i) {
    double p = i < dest_done_ ? 1.0
               : i == dest_done_ && phase_total_ > 0
                   ? std::min(1.0, double(moved) / double(phase_total_))
                   : 0.0;
    out.push_back(fmt::format("  {:<40} {} {:>3.0f}%", Short(dests_[i], 40), Bar(p), p * 100));
  }
  return out;
}

// ---- RestoreProgress ----

RestoreProgress::RestoreProgress(bool tty, const pg::ConnInfo& target, const std::string& app_name,
                                 const DbFacts* facts)
    : view_(tty, [this] { return Render(); }) {
  if (!tty) return;
  if (facts) {
    auto n = facts->objects.find("indexes");
    tables_.SetTables(*facts, n == facts->objects.end() ? -1 : n->second);
  }
  monitor_ = std::make_unique<CopyMonitor>(target, app_name, "COPY FROM", true);
  monitor_->Start([this](const CopySample& s) { tables_.OnSample(s); });
  view_.Start();
}

void RestoreProgress::Stop(bool ok) {
  if (monitor_) monitor_->Stop();
  if (ok && view_.tty()) {
    tables_.AllDone();
    done_ = true;
  }
  view_.Stop();
}

std::vector<std::string> RestoreProgress::Render() {
  return tables_.Lines(done_ ? "restored" : "restore", "", !done_);
}

}  // namespace hk::backup
