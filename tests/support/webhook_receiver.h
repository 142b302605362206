// A webhook receiver for tests: a thread in the test process on a 127.0.0.1
// socket that records every POST body (JSON) and answers with scripted
// statuses, or never answers. Used by notify_watch_test and migrate_test.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace hk::test {

using namespace std::chrono_literals;

// Records POST bodies; answers GETs with 200 (a health URL) and POSTs with
// the next scripted status (200 when the script is empty). `hang` makes it
// accept and never answer.
class Receiver {
 public:
  explicit Receiver(std::deque<int> statuses = {}, bool hang = false)
      : statuses_(std::move(statuses)), hang_(hang) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { Loop(); });
  }
  ~Receiver() {
    stop_ = true;
    thread_.join();
    for (int c : held_) close(c);
    close(fd_);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  /// GETs answer 503 until a POST of this event arrives (then 200).
  void FailHealthUntil(const std::string& event) {
    std::lock_guard<std::mutex> lk(mu_);
    heal_on_ = event;
  }
  std::vector<nlohmann::json> Posts() {
    std::lock_guard<std::mutex> lk(mu_);
    return posts_;
  }
  int attempts() {
    std::lock_guard<std::mutex> lk(mu_);
    return attempts_;
  }
  std::vector<std::string> Events() {
    std::vector<std::string> out;
    for (const auto& p : Posts()) out.push_back(p.value("event", ""));
    return out;
  }
  bool WaitFor(const std::string& event, std::chrono::milliseconds within) {
    auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      for (const auto& e : Events())
        if (e == event) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      Serve(c);
    }
  }
  void Serve(int c) {
    std::string req;
    char buf[4096];
    size_t body_at = std::string::npos, want = 0;
    auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{c, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
      if (body_at == std::string::npos && (body_at = req.find("\r\n\r\n")) != std::string::npos) {
        body_at += 4;
        std::string lower = req.substr(0, body_at);
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(ch));
        size_t cl = lower.find("content-length:");
        want = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
      }
      if (body_at != std::string::npos && req.size() >= body_at + want) break;
    }
    bool post = req.rfind("POST", 0) == 0;
    int status = 200;
    if (!post) {
      std::lock_guard<std::mutex> lk(mu_);
      if (!heal_on_.empty()) status = 503;
    }
    if (post) {
      std::lock_guard<std::mutex> lk(mu_);
      ++attempts_;
      if (hang_) {
        held_.push_back(c);
        return;
      }
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
      if (status == 200 && body_at != std::string::npos) {
        posts_.push_back(nlohmann::json::parse(req.substr(body_at), nullptr, false));
        if (posts_.back().value("event", "") == heal_on_) heal_on_.clear();
      }
    }
    std::string resp = "HTTP/1.1 " + std::to_string(status) +
                       " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    (void)!write(c, resp.data(), resp.size());
    close(c);
  }

  int fd_ = -1, port_ = 0;
  std::deque<int> statuses_;
  bool hang_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<nlohmann::json> posts_;
  std::vector<int> held_;
  std::string heal_on_;
  int attempts_ = 0;
};

}  // namespace hk::test
