// Sends events to the [[notify]] targets without ever blocking the caller:
// Emit() queues (bounded per target; a full queue drops the event with a
// warning), a background thread per target delivers in order with retries
// and exponential backoff (a hanging webhook never holds up the others), and
// Flush(deadline) at exit waits for the queue at most until the deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "config/config.h"
#include "notify/event.h"
#include "notify/targets.h"

namespace hk::notify {

class Notifier {
 public:
  static constexpr size_t kQueueLimit = 256;

  explicit Notifier(std::vector<Target> targets, size_t queue_limit = kQueueLimit);
  ~Notifier();  ///< Flush(now + 5 s).
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// Queues `e` for every target that wants it; never blocks on delivery.
  void Emit(const Event& e);
  /// Waits until everything queued was delivered (or given up) or the
  /// deadline passes; then aborts what is in flight and stops the thread.
  /// Undelivered events are logged as dropped. Idempotent.
  void Flush(std::chrono::steady_clock::time_point deadline);

  size_t delivered() const { return delivered_.load(); }
  size_t dropped() const { return dropped_.load(); }

 private:
  struct Item {
    Event event;
    std::string body;
  };
  struct Lane {  ///< One target: its queue and its thread.
    Target target;
    std::deque<Item> queue;
    bool busy = false;
    std::thread thread;
  };
  void Loop(Lane* lane);
  bool Deliver(const Target& t, const Item& it);
  bool IdleLocked() const;

  std::vector<std::unique_ptr<Lane>> lanes_;
  size_t limit_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, stopped_ = false;
  std::atomic<bool> abort_{false};
  std::atomic<size_t> delivered_{0}, dropped_{0};
};

/// The process-wide notifier, from the config's [[notify]] entries (none:
/// Emit is a no-op). Called once in main after the config is loaded.
Status Install(const Config& cfg);

/// Set to "off" in the environment, no notification is sent by this process
/// or the hikkoshi processes it starts (a rehearsal: `migrate --rehearse`).
inline constexpr const char* kNotifyOffEnv = "HIKKOSHI_NOTIFY";
/// Switches notifications off for this process and the processes it starts.
void TurnOff();
/// Queues an event on the process-wide notifier, if any. Thread-safe.
void Emit(const Event& e);
/// Shorthand: Emit(Make(name, text, details)).
void Emit(std::string name, std::string text, nlohmann::json details = nlohmann::json::object());
/// Flushes the process-wide notifier (at most `timeout`), before exit.
void Shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace hk::notify
