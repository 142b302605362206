#include "verify/progress.h"

#include <fmt/format.h>

#include <cstdio>

#include "common/log.h"

namespace hk::verify {

void Progress::Draw(const std::string& current) {
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\r\033[Kverify: %zu/%zu tables, %lld rows hashed, %.0f s  %s", done_,
               total_, static_cast<long long>(rows_), s, current.c_str());
  std::fflush(stderr);
}

void Progress::TableStarted(const std::string& table) {
  std::lock_guard<std::mutex> l(mu_);
  if (tty_) Draw(table);
}

void Progress::TableDone(const TableStats& s, int64_t differences) {
  std::lock_guard<std::mutex> l(mu_);
  ++done_;
  rows_ += s.source_rows + s.target_rows;
  if (tty_) {
    Draw("");
  } else if (log_) {
    LogInfo(
        "verify: {} ({}/{}): {} source rows, {} target rows, {} chunks, {} {} ({:.2f} s)", s.table,
        done_, total_, s.source_rows, s.target_rows, s.chunks,
        differences == 0 ? "identical" : fmt::format("{} differing chunk(s)", s.differing_chunks),
        s.method, s.seconds);
  }
}

void Progress::Finish() {
  std::lock_guard<std::mutex> l(mu_);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

}  // namespace hk::verify
