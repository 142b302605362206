// A TCP proxy for fault-injection tests: placed between hikkoshi and a
// server on loopback, it forwards bytes both ways until a test tells it to
// misbehave: cut every connection now, cut after N more bytes, stall (hold
// every byte, keep the sockets open) for a while, add latency and jitter,
// limit bandwidth, or refuse new connections for a while.
//
// One thread polls every socket; the control calls are thread-safe and take
// effect within a few milliseconds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace hk::test {

class FaultProxy {
 public:
  using Millis = std::chrono::milliseconds;

  /// Listens on 127.0.0.1 on a free port and forwards to 127.0.0.1:upstream_port.
  explicit FaultProxy(int upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  /// `uri` with its port replaced by the proxy's.
  std::string Through(const std::string& uri) const;

  /// Closes every open connection (both sides) now; new ones still work.
  void CutAll();
  /// Every connection is closed once `n` more bytes (both directions
  /// together, over all connections) have been forwarded. -1: no limit.
  void CutAfterBytes(int64_t n);
  /// Forwards nothing for `d`: bytes wait, sockets stay open (a half-dead
  /// network path, not a reset).
  void Stall(Millis d);
  /// Like Stall, but only for the connections open now: new connections
  /// forward normally (a dead path under an old connection, while a
  /// reconnect takes a working one).
  void StallOpen(Millis d);
  /// Every chunk is delayed by `latency` plus up to `jitter`.
  void SetLatency(Millis latency, Millis jitter = Millis(0));
  /// At most this many bytes a second in each direction; 0: unlimited.
  void SetBandwidth(int64_t bytes_per_second);
  /// New connections are closed as soon as they are accepted, for `d`.
  void RefuseFor(Millis d);

  int64_t bytes_forwarded() const { return forwarded_; }
  int64_t connections_accepted() const { return accepted_; }
  int open_connections() const { return open_; }

 private:
  void Loop();

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_all_{false};
  std::atomic<int64_t> cut_after_{-1};
  std::atomic<int64_t> forwarded_{0};
  std::atomic<int64_t> accepted_{0};
  std::atomic<int> open_{0};
  std::atomic<int64_t> bandwidth_{0};
  std::mutex mu_;  // guards the time points and latency below
  std::chrono::steady_clock::time_point stall_until_{};
  std::chrono::steady_clock::time_point refuse_until_{};
  Millis stall_open_{0};  // StallOpen's request, applied by the loop
  Millis latency_{0}, jitter_{0};
};

}  // namespace hk::test
