// The last minute of applying, for `status`: commit lag percentiles and the
// apply rate. One sample per confirmed batch: when it became durable, how far
// behind its last source commit that was, and how many transactions and rows
// it carried. Bounded: samples older than the window (or beyond kMaxSamples)
// are dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace hk::cdc {

class ApplyWindow {
 public:
  static constexpr int64_t kWindowMs = 60'000;
  static constexpr size_t kMaxSamples = 20'000;

  void Add(int64_t now_unix_ms, double lag_ms, int64_t txns, int64_t rows);
  /// Percentile q (0..1) of the lags in the window ending at now; -1 if none.
  double LagPercentileMs(int64_t now_unix_ms, double q) const;
  /// Transactions and rows per second over the last minute.
  double TxnsPerSecond(int64_t now_unix_ms) const;
  double RowsPerSecond(int64_t now_unix_ms) const;

 private:
  struct Sample {
    int64_t at_ms;
    double lag_ms;
    int64_t txns, rows;
  };
  bool In(const Sample& s, int64_t now_unix_ms) const { return s.at_ms >= now_unix_ms - kWindowMs; }
  double Span(int64_t now_unix_ms) const;
  std::deque<Sample> samples_;
};

}  // namespace hk::cdc
