#include "cutover/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/crash_point.h"
#include "common/log.h"
#include "common/secrets.h"
#include "notify/switch_events.h"

namespace hk::cutover {

int64_t UnixMsNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
std::string IsoOf(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms % 1000));
}
}  // namespace

nlohmann::json JournalEntry::ToJson() const {
  return {{"run", run},
          {"step", step},
          {"start", IsoOf(start_ms)},
          {"end", IsoOf(end_ms)},
          {"start_ms", start_ms},
          {"end_ms", end_ms},
          {"duration_ms", duration_ms()},
          {"outcome", outcome},
          {"details", details}};
}

JournalEntry JournalEntry::FromJson(const nlohmann::json& j) {
  JournalEntry e;
  e.run = j.value("run", "");
  e.step = j.value("step", "");
  e.start_ms = j.value("start_ms", int64_t{0});
  e.end_ms = j.value("end_ms", int64_t{0});
  e.outcome = j.value("outcome", "");
  if (j.contains("details")) e.details = j["details"];
  return e;
}

Journal::Journal(std::string workdir, const std::string& command)
    : path_(workdir + "/journal.jsonl"), run_(command + "-" + std::to_string(UnixMsNow())) {
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);
}

void Journal::Append(const JournalEntry& e) {
  entries_.push_back(e);
  std::string line = Scrub(e.ToJson().dump()) + "\n";
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) {
    LogWarn("cannot append to {}", path_);
    return;
  }
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) LogWarn("cannot append to {}", path_);
}

void Journal::Mark(const std::string& step, nlohmann::json details) {
  JournalEntry e;
  e.run = run_;
  e.step = step;
  e.start_ms = e.end_ms = UnixMsNow();
  e.outcome = "info";
  e.details = std::move(details);
  Append(e);
  notify::OnJournalMark(run_, step, e.details, WriteUnavailableMs());
}

Journal::Step::Step(Journal* j, std::string name) : j_(j) {
  e_.run = j->run_;
  e_.step = std::move(name);
  e_.start_ms = UnixMsNow();
  LogInfo("{} ...", e_.step);
}

Journal::Step::~Step() {
  if (!done_ && j_) {
    e_.end_ms = UnixMsNow();
    e_.outcome = "failed";
    j_->Append(e_);
  }
}

Status Journal::Step::Finish(Status st, const std::string& ok_outcome) {
  e_.end_ms = UnixMsNow();
  e_.outcome = st.ok() ? ok_outcome : "failed";
  if (!st.ok()) e_.details["error"] = Scrub(st.error().message);
  done_ = true;
  j_->Append(e_);
  LogInfo("{}: {} ({} ms)", e_.step, e_.outcome, e_.duration_ms());
  // Fault injection for the crash tests: die like kill -9 right after a step.
  CrashPoint(e_.step.c_str());
  return st;
}

void Journal::Step::Skip(const std::string& why) {
  e_.end_ms = UnixMsNow();
  e_.outcome = "skipped";
  e_.details["why"] = why;
  done_ = true;
  j_->Append(e_);
}

int64_t Journal::WriteUnavailableMs() const {
  int64_t frozen = -1, resumed = -1;
  for (const auto& e : entries_) {
    if (e.step == "writes-frozen" && frozen < 0) frozen = e.start_ms;
    if (e.step == "writes-resumed") resumed = e.start_ms;
  }
  if (frozen < 0) return -1;
  if (resumed < 0) resumed = UnixMsNow();
  return resumed - frozen;
}

std::string Journal::Timeline() const {
  std::string out = fmt::format("timeline of {}:\n", run_);
  int64_t t0 = entries_.empty() ? 0 : entries_.front().start_ms;
  for (const auto& e : entries_) {
    std::string d;
    if (e.details.contains("error"))
      d = e.details["error"].get<std::string>();
    else if (e.details.contains("summary"))
      d = e.details["summary"].get<std::string>();
    out += fmt::format("  +{:>7.3f}s  {:<22} {:>8} ms  {:<8} {}\n",
                       static_cast<double>(e.start_ms - t0) / 1000.0, e.step, e.duration_ms(),
                       e.outcome, d);
  }
  int64_t w = WriteUnavailableMs();
  if (w >= 0)
    out += fmt::format("write-unavailability window: {:.3f} s\n", static_cast<double>(w) / 1000.0);
  return Scrub(out);
}

std::vector<JournalEntry> ReadJournal(const std::string& workdir) {
  std::vector<JournalEntry> out;
  std::ifstream f(workdir + "/journal.jsonl");
  std::string line;
  while (std::getline(f, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    out.push_back(JournalEntry::FromJson(j));
  }
  return out;
}

}  // namespace hk::cutover
