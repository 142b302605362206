#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <list>
#include <random>
#include <stdexcept>
#include <vector>

namespace hk::test {
namespace {

using Clock = std::chrono::steady_clock;

struct Chunk {
  Clock::time_point release;
  std::string bytes;
  size_t sent = 0;
};

/// One direction of one connection: bytes read from `from`, waiting to be
/// written to `to`.
struct Pipe {
  int from = -1, to = -1;
  std::deque<Chunk> queue;
  bool eof = false;
};

struct Conn {
  Pipe up, down;  // client -> server, server -> client
  bool dead = false;
  Clock::time_point stall_until{};  // StallOpen: this connection only
};

void NonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

int ConnectUpstream(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  NonBlocking(fd);
  return fd;
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = 0;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(listen_fd_, 64) != 0)
    throw std::runtime_error("fault proxy: cannot listen");
  socklen_t len = sizeof a;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  NonBlocking(listen_fd_);
  thread_ = std::thread([this] { Loop(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
}

std::string FaultProxy::Through(const std::string& uri) const {
  // postgresql://user:pw@127.0.0.1:PORT/db -> the proxy's port.
  auto at = uri.rfind('@');
  auto colon = uri.find(':', at == std::string::npos ? 0 : at);
  auto slash = uri.find('/', colon);
  if (colon == std::string::npos) throw std::runtime_error("fault proxy: no port in " + uri);
  return uri.substr(0, colon + 1) + std::to_string(port_) +
         (slash == std::string::npos ? "" : uri.substr(slash));
}

void FaultProxy::CutAll() { cut_all_ = true; }
void FaultProxy::CutAfterBytes(int64_t n) { cut_after_ = n < 0 ? -1 : forwarded_ + n; }
void FaultProxy::Stall(Millis d) {
  std::lock_guard<std::mutex> l(mu_);
  stall_until_ = Clock::now() + d;
}
void FaultProxy::StallOpen(Millis d) {
  std::lock_guard<std::mutex> l(mu_);
  stall_open_ = d;
}
void FaultProxy::SetLatency(Millis latency, Millis jitter) {
  std::lock_guard<std::mutex> l(mu_);
  latency_ = latency;
  jitter_ = jitter;
}
void FaultProxy::SetBandwidth(int64_t bps) { bandwidth_ = bps; }
void FaultProxy::RefuseFor(Millis d) {
  std::lock_guard<std::mutex> l(mu_);
  refuse_until_ = Clock::now() + d;
}

void FaultProxy::Loop() {
  std::list<Conn> conns;
  std::mt19937 rng(12345);
  Clock::time_point last_refill = Clock::now();
  double budget = 0;  // bytes that may be written now under the bandwidth limit
  auto close_conn = [&](Conn& c) {
    if (c.dead) return;
    close(c.up.from);
    close(c.up.to);
    c.dead = true;
    --open_;
  };
  while (!stop_) {
    Clock::time_point now = Clock::now();
    Clock::time_point stall_until;
    Millis latency, jitter;
    Millis stall_open{0};
    {
      std::lock_guard<std::mutex> l(mu_);
      stall_until = stall_until_;
      std::swap(stall_open, stall_open_);
    }
    if (stall_open.count() > 0)
      for (auto& c : conns) c.stall_until = now + stall_open;
    const bool all_stalled = now < stall_until;
    if (cut_all_.exchange(false))
      for (auto& c : conns) close_conn(c);
    conns.remove_if([](const Conn& c) { return c.dead; });

    int64_t bw = bandwidth_;
    if (bw > 0) {
      budget += std::chrono::duration<double>(now - last_refill).count() * static_cast<double>(bw);
      if (budget > static_cast<double>(bw)) budget = static_cast<double>(bw);
    }
    last_refill = now;

    std::vector<pollfd> fds;
    fds.push_back({listen_fd_, POLLIN, 0});
    for (auto& c : conns) {
      const bool stalled = all_stalled || now < c.stall_until;
      for (Pipe* p : {&c.up, &c.down}) {
        short ev = 0;
        if (!stalled && !p->eof && p->queue.size() < 64) ev |= POLLIN;
        fds.push_back({p->from, ev, 0});
        short wev =
            (!stalled && !p->queue.empty() && p->queue.front().release <= now) ? POLLOUT : 0;
        fds.push_back({p->to, wev, 0});
      }
    }
    poll(fds.data(), fds.size(), 5);
    now = Clock::now();
    const size_t polled = conns.size();  // connections accepted below wait for the next round

    if (fds[0].revents & POLLIN) {
      for (;;) {
        int cfd = accept(listen_fd_, nullptr, nullptr);
        if (cfd < 0) break;
        ++accepted_;
        bool refuse;
        {
          std::lock_guard<std::mutex> l(mu_);
          refuse = now < refuse_until_;
        }
        if (refuse) {
          close(cfd);
          continue;
        }
        int ufd = ConnectUpstream(upstream_port_);
        if (ufd < 0) {
          close(cfd);
          continue;
        }
        int one = 1;
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        NonBlocking(cfd);
        Conn c;
        c.up.from = cfd;
        c.up.to = ufd;
        c.down.from = ufd;
        c.down.to = cfd;
        conns.push_back(std::move(c));
        ++open_;
      }
    }

    size_t i = 1, seen = 0;
    for (auto& c : conns) {
      if (seen++ == polled) break;
      for (Pipe* p : {&c.up, &c.down}) {
        const pollfd& rf = fds[i++];
        const pollfd& wf = fds[i++];
        if (c.dead) continue;
        if (rf.revents & (POLLIN | POLLHUP | POLLERR)) {
          char buf[16384];
          ssize_t n = read(p->from, buf, sizeof buf);
          if (n > 0) {
            {
              std::lock_guard<std::mutex> l(mu_);
              latency = latency_;
              jitter = jitter_;
            }
            Clock::time_point release = now + latency;
            if (jitter.count() > 0)
              release += Millis(rng() % static_cast<uint32_t>(jitter.count() + 1));
            // Keep the byte order: never release before the chunk ahead.
            if (!p->queue.empty() && release < p->queue.back().release)
              release = p->queue.back().release;
            p->queue.push_back({release, std::string(buf, static_cast<size_t>(n))});
          } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            p->eof = true;
          }
        }
        if ((wf.revents & POLLOUT) && !p->queue.empty()) {
          Chunk& ch = p->queue.front();
          size_t want = ch.bytes.size() - ch.sent;
          if (bw > 0) want = std::min<size_t>(want, static_cast<size_t>(std::max(0.0, budget)));
          int64_t limit = cut_after_;
          bool cut = false;
          if (limit >= 0 && forwarded_ + static_cast<int64_t>(want) >= limit) {
            want = static_cast<size_t>(std::max<int64_t>(0, limit - forwarded_));
            cut = true;
          }
          if (want > 0) {
            ssize_t n = send(p->to, ch.bytes.data() + ch.sent, want, MSG_NOSIGNAL);
            if (n > 0) {
              ch.sent += static_cast<size_t>(n);
              forwarded_ += n;
              if (bw > 0) budget -= static_cast<double>(n);
              if (ch.sent == ch.bytes.size()) p->queue.pop_front();
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
              close_conn(c);
            }
          }
          if (cut) {
            for (auto& all : conns) close_conn(all);
            cut_after_ = -1;
            break;
          }
        }
        if (wf.revents & POLLERR) close_conn(c);
        if (p->eof && p->queue.empty()) close_conn(c);  // a side closed: pass the close on
      }
    }
  }
  for (auto& c : conns) close_conn(c);
}

}  // namespace hk::test
