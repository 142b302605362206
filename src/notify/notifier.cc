#include "notify/notifier.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "common/log.h"
#include "common/secrets.h"
#include "notify/backoff.h"
#include "notify/deliver.h"

namespace hk::notify {

namespace {
constexpr int64_t kAttemptTimeoutMs = 10000;
}

Notifier::Notifier(std::vector<Target> targets, size_t queue_limit) : limit_(queue_limit) {
  for (auto& t : targets) {
    lanes_.push_back(std::make_unique<Lane>());
    lanes_.back()->target = std::move(t);
  }
  for (auto& l : lanes_) l->thread = std::thread([this, lane = l.get()] { Loop(lane); });
}

Notifier::~Notifier() { Flush(std::chrono::steady_clock::now() + std::chrono::seconds(5)); }

void Notifier::Emit(const Event& e) {
  std::string body = e.ToJson().dump();
  std::lock_guard<std::mutex> lk(mu_);
  for (auto& l : lanes_) {
    if (!l->target.Wants(e)) continue;
    if (stop_ || l->queue.size() >= limit_) {
      ++dropped_;
      LogWarn("notify: queue full, dropped {} for {}", e.name, Scrub(l->target.Describe()));
      continue;
    }
    l->queue.push_back({e, body});
  }
  cv_.notify_all();
}

bool Notifier::Deliver(const Target& t, const Item& it) {
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    Status st = !t.url.empty() ? PostJson(t.url, it.body, kAttemptTimeoutMs, abort_)
                               : RunCommand(t.command, it.body, kAttemptTimeoutMs, abort_);
    if (st.ok()) {
      LogDebug("notify: sent {} to {}", it.event.name, Scrub(t.Describe()));
      return true;
    }
    if (abort_.load()) break;
    LogWarn("notify: {} to {} failed (try {} of {}): {}", it.event.name, Scrub(t.Describe()),
            attempt, kMaxAttempts, Scrub(st.error().message));
    if (attempt == kMaxAttempts) break;
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait_for(lk, std::chrono::milliseconds(BackoffMs(attempt)),
                 [this] { return abort_.load(); });
    if (abort_.load()) break;
  }
  LogWarn("notify: gave up on {} for {}", it.event.name, Scrub(t.Describe()));
  return false;
}

void Notifier::Loop(Lane* lane) {
  for (;;) {
    Item it;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stop_ || !lane->queue.empty(); });
      if (lane->queue.empty() || abort_.load()) return;
      it = std::move(lane->queue.front());
      lane->queue.pop_front();
      lane->busy = true;
    }
    bool ok = Deliver(lane->target, it);
    (ok ? delivered_ : dropped_)++;
    {
      std::lock_guard<std::mutex> lk(mu_);
      lane->busy = false;
    }
    cv_.notify_all();
  }
}

bool Notifier::IdleLocked() const {
  for (const auto& l : lanes_)
    if (l->busy || !l->queue.empty()) return false;
  return true;
}

void Notifier::Flush(std::chrono::steady_clock::time_point deadline) {
  {
    std::unique_lock<std::mutex> lk(mu_);
    if (stopped_) return;
    stopped_ = true;
    cv_.wait_until(lk, deadline, [this] { return IdleLocked(); });
    stop_ = true;
    if (!IdleLocked()) {
      abort_ = true;
      size_t left = 0;
      for (auto& l : lanes_) {
        left += l->queue.size() + (l->busy ? 1 : 0);
        dropped_ += l->queue.size();
        l->queue.clear();
      }
      LogWarn("notify: flush deadline reached; {} notification(s) not delivered", left);
    }
  }
  cv_.notify_all();
  for (auto& l : lanes_) l->thread.join();
}

namespace {
std::mutex g_mu;
std::unique_ptr<Notifier> g_notifier;
}  // namespace

Status Install(const Config& cfg) {
  HK_ASSIGN_OR_RETURN(std::vector<Target> targets, LoadTargets(cfg.path()));
  std::lock_guard<std::mutex> lk(g_mu);
  g_notifier.reset();
  if (const char* off = std::getenv(kNotifyOffEnv); off && std::string(off) == "off")
    return Status::Ok();
  if (!targets.empty()) g_notifier = std::make_unique<Notifier>(std::move(targets));
  return Status::Ok();
}

void TurnOff() {
  ::setenv(kNotifyOffEnv, "off", 1);
  Shutdown(std::chrono::milliseconds(0));
}

void Emit(const Event& e) {
  std::lock_guard<std::mutex> lk(g_mu);
  if (g_notifier) g_notifier->Emit(e);
}

void Emit(std::string name, std::string text, nlohmann::json details) {
  Emit(Make(std::move(name), std::move(text), std::move(details)));
}

void Shutdown(std::chrono::milliseconds timeout) {
  std::unique_ptr<Notifier> n;
  {
    std::lock_guard<std::mutex> lk(g_mu);
    n = std::move(g_notifier);
  }
  if (n) n->Flush(std::chrono::steady_clock::now() + timeout);
}

}  // namespace hk::notify
