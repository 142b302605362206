#include "cdc/apply_window.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hk::cdc {

void ApplyWindow::Add(int64_t now_unix_ms, double lag_ms, int64_t txns, int64_t rows) {
  samples_.push_back({now_unix_ms, std::max(0.0, lag_ms), txns, rows});
  if (samples_.size() > kMaxSamples) samples_.pop_front();
  while (!In(samples_.front(), now_unix_ms)) samples_.pop_front();
}

double ApplyWindow::LagPercentileMs(int64_t now_unix_ms, double q) const {
  std::vector<double> lags;
  for (const auto& s : samples_)
    if (In(s, now_unix_ms)) lags.push_back(s.lag_ms);
  if (lags.empty()) return -1;
  // Nearest rank.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(lags.size())));
  size_t i = std::min(lags.size() - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(lags.begin(), lags.begin() + static_cast<std::ptrdiff_t>(i), lags.end());
  return lags[i];
}

// Seconds the window covers: a full minute once the follower has applied for
// that long (samples dropped by kMaxSamples shorten it to what is kept).
double ApplyWindow::Span(int64_t now_unix_ms) const {
  if (samples_.empty()) return 1;
  int64_t from = samples_.size() >= kMaxSamples ? samples_.front().at_ms : now_unix_ms - kWindowMs;
  return std::max<double>(1, static_cast<double>(now_unix_ms - from)) / 1000.0;
}

double ApplyWindow::TxnsPerSecond(int64_t now_unix_ms) const {
  int64_t n = 0;
  for (const auto& s : samples_)
    if (In(s, now_unix_ms)) n += s.txns;
  return static_cast<double>(n) / Span(now_unix_ms);
}

double ApplyWindow::RowsPerSecond(int64_t now_unix_ms) const {
  int64_t n = 0;
  for (const auto& s : samples_)
    if (In(s, now_unix_ms)) n += s.rows;
  return static_cast<double>(n) / Span(now_unix_ms);
}

}  // namespace hk::cdc
