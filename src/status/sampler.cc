#include "status/sampler.h"

#include "status/history.h"
#include "status/record.h"

namespace hk::status {

void Sampler::Start(int interval_ms) {
  for (const auto& h : ReadFollowHistory(o_.workdir, NowMs() - 3600 * 1000)) {
    Sample s;
    s.t_ms = h.t_ms;
    s.lag_bytes = h.lag_bytes;
    s.commit_lag_s = h.commit_lag_s;
    s.apply_rows_per_s = h.apply_rows_per_s;
    s.retained_bytes = h.retained_bytes;
    ring_.push_back(s);
  }
  while (ring_.size() > capacity_) ring_.pop_front();
  CollectOnce();
  std::lock_guard<std::mutex> l(mu_);
  running_ = true;
  thread_ = std::thread([this, interval_ms] {
    std::unique_lock<std::mutex> l(mu_);
    while (running_) {
      cv_.wait_for(l, std::chrono::milliseconds(interval_ms), [this] { return !running_; });
      if (!running_) break;
      l.unlock();
      CollectOnce();
      l.lock();
    }
  });
}

void Sampler::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Sampler::CollectOnce() {
  CollectOptions o = o_;
  o.now_ms = 0;
  auto m = Collect(o);
  std::lock_guard<std::mutex> l(mu_);
  if (!m.ok()) {
    latest_.reset();
    status_json_ = {{"schema_version", 2},
                    {"error", {{"message", m.error().message}, {"fix", m.error().hint}}}};
    return;
  }
  Sample s;
  s.t_ms = m->generated_ms;
  if (m->follow) {
    const auto& f = *m->follow;
    s.lag_bytes = f.live ? f.live_lag_bytes : f.report.state.lag_bytes;
    s.commit_lag_s = f.report.state.commit_lag_s;
    s.apply_rows_per_s = f.report.running ? f.report.state.apply_rows_per_s : 0;
    s.retained_bytes = f.live ? f.live_retained_bytes : f.report.state.slot_retained_bytes;
  }
  if (m->clone) {
    s.bytes_copied = m->clone->bytes_copied;
    if (!ring_.empty() && ring_.back().bytes_copied >= 0 && s.t_ms > ring_.back().t_ms)
      s.copy_bytes_per_s = std::max<double>(0, s.bytes_copied - ring_.back().bytes_copied) /
                           ((s.t_ms - ring_.back().t_ms) / 1000.0);
  }
  ring_.push_back(s);
  while (ring_.size() > capacity_) ring_.pop_front();
  status_json_ = ToJson(*m);
  latest_ = std::move(*m);
}

nlohmann::json Sampler::StatusJson() {
  std::lock_guard<std::mutex> l(mu_);
  return status_json_;
}

std::optional<Migration> Sampler::Latest() {
  std::lock_guard<std::mutex> l(mu_);
  return latest_;
}

std::vector<Sample> Sampler::Samples() {
  std::lock_guard<std::mutex> l(mu_);
  return {ring_.begin(), ring_.end()};
}

}  // namespace hk::status
