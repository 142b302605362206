#include "common/live_view.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "common/log.h"
#include "common/log_hook.h"

namespace hk {
namespace {

std::atomic<bool> g_cursor_hidden{false};
struct sigaction g_old_int {
}, g_old_term{};

// The view on screen, cleared before a log line is written (log lock held).
std::mutex g_active_mu;
LiveView* g_active = nullptr;

constexpr char kClean[] = "\r\x1b[J\x1b[?25h";

void RestoreCursor() {
  if (g_cursor_hidden.exchange(false)) {
    std::fputs("\x1b[?25h", stderr);
    std::fflush(stderr);
  }
}

// Shows the cursor, then does what was there before: the command's own
// handler (which stops it gracefully; Stop() redraws the last frame) or the
// default action (the process ends with the signal, terminal clean).
extern "C" void OnSignal(int sig) {
  if (g_cursor_hidden.exchange(false)) {
    ssize_t w = write(STDERR_FILENO, kClean, sizeof(kClean) - 1);
    (void)w;
  }
  const struct sigaction& old = sig == SIGINT ? g_old_int : g_old_term;
  if (old.sa_handler == SIG_IGN) return;
  if (old.sa_handler == SIG_DFL) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  old.sa_handler(sig);
}

void InstallHandlers() {
  static bool registered = (std::atexit(RestoreCursor), true);
  (void)registered;
  for (int sig : {SIGINT, SIGTERM}) {
    struct sigaction cur {};
    sigaction(sig, nullptr, &cur);
    if (cur.sa_handler == OnSignal) continue;
    (sig == SIGINT ? g_old_int : g_old_term) = cur;
    struct sigaction sa = cur;  // keep the command's flags (no SA_RESTART for follow)
    sa.sa_handler = OnSignal;
    sigaction(sig, &sa, nullptr);
  }
}

}  // namespace

std::string Bar(double p, int width) {
  p = std::clamp(p, 0.0, 1.0);
  int n = static_cast<int>(p * width + 0.5);
  return "[" + std::string(n, '#') + std::string(width - n, '.') + "]";
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void LiveView::ClearForLog() {
  std::lock_guard<std::mutex> a(g_active_mu);
  if (g_active == nullptr) return;
  std::lock_guard<std::mutex> l(g_active->mu_);
  g_active->ClearLocked();
}

void LiveView::ClearLocked() {
  if (drawn_lines_ > 0)
    std::fprintf(stderr, "\x1b[%dF\x1b[J", drawn_lines_);
  else if (running_)
    std::fputs("\r\x1b[K", stderr);
  drawn_lines_ = 0;
}

void LiveView::Start() {
  if (!tty_) return;
  std::lock_guard<std::mutex> l(mu_);
  if (running_) return;
  InstallHandlers();
  g_cursor_hidden = true;
  std::fputs("\x1b[?25l", stderr);  // hide the cursor while redrawing
  running_ = true;
  {
    std::lock_guard<std::mutex> a(g_active_mu);
    g_active = this;
  }
  SetBeforeLogLine(&LiveView::ClearForLog);
  thread_ = std::thread([this] { Loop(); });
}

void LiveView::Stop(bool keep_first_only) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!running_) return;
    running_ = false;
  }
  {
    std::lock_guard<std::mutex> a(g_active_mu);
    if (g_active == this) g_active = nullptr;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Draw(true, keep_first_only);
  RestoreCursor();
}

void LiveView::Draw(bool final, bool first_only) {
  std::vector<std::string> lines = render_();
  if (final && first_only && lines.size() > 1) lines.resize(1);
  std::string v;
  for (const auto& line : lines) v += line + "\x1b[K\n";
  std::lock_guard<std::mutex> l(mu_);
  // A signal may have shown the cursor already: then this is the last frame.
  if (!final && !g_cursor_hidden) return;
  std::string up = drawn_lines_ > 0 ? fmt::format("\x1b[{}F", drawn_lines_) : "\r";
  std::fprintf(stderr, "%s\x1b[J%s", up.c_str(), v.c_str());
  std::fflush(stderr);
  drawn_lines_ = final ? 0 : static_cast<int>(lines.size());
}

void LiveView::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (running_) {
    l.unlock();
    Draw(false, false);
    l.lock();
    cv_.wait_for(l, std::chrono::milliseconds(500), [this] { return !running_; });
  }
}

void LiveView::Event(const std::string& message, bool important) {
  if (!tty_) {
    LogInfo("{}", message);
    return;
  }
  if (important) LogInfo("{}", message);  // above the view (ClearForLog), redrawn below it
}

}  // namespace hk
