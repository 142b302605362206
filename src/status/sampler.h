// serve's memory: the latest status, collected once a second by a thread,
// and a ring of the last hour of samples (lag, apply rate, retained WAL,
// copied bytes) for the live charts. Seeded from follow-history.jsonl.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "status/model.h"

namespace hk::status {

struct Sample {
  int64_t t_ms = 0;
  int64_t lag_bytes = -1;
  double commit_lag_s = -1;
  double apply_rows_per_s = 0;
  int64_t retained_bytes = -1;
  int64_t bytes_copied = -1;  ///< clone's total so far; -1 without a clone
  double copy_bytes_per_s = 0;
};

class Sampler {
 public:
  explicit Sampler(CollectOptions o, size_t capacity = 3600)
      : o_(std::move(o)), capacity_(capacity) {}
  ~Sampler() { Stop(); }

  /// Collects once (synchronously), then every interval_ms in a thread.
  void Start(int interval_ms = 1000);
  void Stop();

  /// The latest collection: status --json, or an error object.
  nlohmann::json StatusJson();
  /// Copy of the latest model (nullopt before the first collection or on error).
  std::optional<Migration> Latest();
  std::vector<Sample> Samples();

  void CollectOnce();

 private:
  CollectOptions o_;
  size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  std::thread thread_;
  std::optional<Migration> latest_;
  nlohmann::json status_json_;
  std::deque<Sample> ring_;
};

}  // namespace hk::status
