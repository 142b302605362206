#include "pg/stall_watchdog.h"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"
#include "pg/connection.h"

namespace hk::pg {
namespace {

using Clock = std::chrono::steady_clock;

struct Wait {
  int fd = -1;
  int pid = 0;
  std::shared_ptr<const ConnInfo> info;
  std::string server;  // redacted
  Clock::time_point since;
  Clock::time_point last_probe;
};

std::atomic<int64_t> g_timeout_ms{0};
std::mutex g_mu;
std::map<uint64_t, Wait>& Waits() {
  static auto* w = new std::map<uint64_t, Wait>();  // never destroyed: the thread outlives exit
  return *w;
}
uint64_t g_next_id = 1;
thread_local bool t_in_watchdog = false;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// Asks the server, on a new connection, whether backend `pid` is still
// working on a statement. "" means it is; otherwise why it is a stall.
std::string Probe(const ConnInfo& info, int pid) {
  auto c = Connection::Open(info, {.application_name = "hikkoshi stall probe", .connect_timeout_s = 5});
  if (!c.ok()) return "the server cannot be reached on a new connection either";
  auto r = c->Exec("SELECT state, coalesce(wait_event, '') FROM pg_catalog.pg_stat_activity WHERE pid = $1",
                   {std::to_string(pid)});
  if (!r.ok()) return "";  // cannot tell: leave it alone
  if (r->rows() == 0) return "its session has ended on the server";
  if (r->IsNull(0, 0)) return "";  // another role's session, state hidden: cannot tell
  const std::string state = r->Str(0, 0), wait = r->Str(0, 1);
  if (state == "active" && wait != "ClientWrite" && wait != "ClientRead") return "";
  if (wait == "ClientWrite") return "the server is blocked sending us its answer";
  if (wait == "ClientRead") return "the server is waiting for data we sent";
  return "the server finished our statement (session " + state + ") but the answer never arrived";
}

void Loop() {
  t_in_watchdog = true;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const int64_t timeout = g_timeout_ms.load();
    if (timeout <= 0) continue;
    std::vector<std::pair<uint64_t, Wait>> due;
    {
      std::lock_guard<std::mutex> l(g_mu);
      for (auto& [id, w] : Waits()) {
        if (MsSince(w.since) >= timeout && MsSince(w.last_probe) >= timeout) {
          w.last_probe = Clock::now();
          due.emplace_back(id, w);
        }
      }
    }
    for (const auto& [id, w] : due) {
      std::string why = Probe(*w.info, w.pid);
      if (why.empty()) continue;
      std::lock_guard<std::mutex> l(g_mu);
      auto it = Waits().find(id);
      if (it == Waits().end()) continue;  // the call returned meanwhile
      LogWarn("no answer from {} for {} s and {} (a stalled connection): closing it", w.server,
              MsSince(w.since) / 1000, why);
      // The fd stays open (libpq owns it); the blocked call returns an error.
      ::shutdown(it->second.fd, SHUT_RDWR);
      Waits().erase(it);
    }
  }
}

}  // namespace

void SetStallTimeout(int64_t ms) {
  g_timeout_ms.store(ms);
  static std::once_flag started;
  if (ms > 0) std::call_once(started, [] { std::thread(Loop).detach(); });
}

int64_t StallTimeoutMs() { return g_timeout_ms.load(); }

StallGuard::StallGuard(const Connection& c) {
  if (g_timeout_ms.load() <= 0 || t_in_watchdog || !c.raw() || !c.info()) return;
  Wait w;
  w.fd = PQsocket(c.raw());
  w.pid = PQbackendPID(c.raw());
  if (w.fd < 0 || w.pid == 0) return;
  w.info = c.info();
  w.server = c.redacted();
  w.since = w.last_probe = Clock::now();
  w.last_probe -= std::chrono::hours(1);
  std::lock_guard<std::mutex> l(g_mu);
  id_ = g_next_id++;
  Waits().emplace(id_, std::move(w));
}

StallGuard::~StallGuard() {
  if (id_ == 0) return;
  std::lock_guard<std::mutex> l(g_mu);
  Waits().erase(id_);
}

}  // namespace hk::pg
