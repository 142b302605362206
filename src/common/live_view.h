// The live terminal view every long command shares (clone, verify, backup,
// restore, follow catch-up, cutover drain): on a terminal, the lines a
// render function returns are redrawn on stderr twice a second, the cursor
// hidden meanwhile; Stop(), exit, and SIGINT/SIGTERM leave the terminal
// clean (view cleared down to its last frame, cursor shown). Off a terminal
// nothing is drawn and Event() writes one log line per event. On a terminal,
// any log line is written above the view (it clears itself first).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hk {

class LiveView {
 public:
  /// Returns the lines to show (without newlines). Called on the redraw
  /// thread; it must lock what it reads.
  using Render = std::function<std::vector<std::string>()>;

  LiveView(bool tty, Render render) : tty_(tty), render_(std::move(render)) {}
  ~LiveView() { Stop(); }
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;

  bool tty() const { return tty_; }
  /// Starts redrawing (terminal only); idempotent.
  void Start();
  /// Draws the last frame (its first line only when `keep_first_only`),
  /// stops the thread and shows the cursor; idempotent.
  void Stop(bool keep_first_only = true);
  /// One event: a log line off a terminal; on a terminal, printed above the
  /// view when important, else left to the view.
  void Event(const std::string& message, bool important = false);

 private:
  static void ClearForLog();
  void ClearLocked();
  void Draw(bool final, bool first_only);
  void Loop();

  bool tty_;
  Render render_;
  std::mutex mu_;  // guards running_, drawn_lines_ and writes to stderr
  std::condition_variable cv_;
  bool running_ = false;
  int drawn_lines_ = 0;
  std::thread thread_;
};

/// "[#####...............]" for a fraction 0..1 (clamped), `width` cells.
std::string Bar(double fraction, int width = 20);
/// Seconds since `t`.
double SecondsSince(std::chrono::steady_clock::time_point t);

}  // namespace hk
