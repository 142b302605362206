#include "status/server.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "status/page.h"
#include "status/sampler.h"

namespace hk::status {

bool IsLoopback(const std::string& h) {
  return h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0;
}

Result<std::pair<std::string, int>> ParseListen(const std::string& s) {
  std::string host = "127.0.0.1", port = s;
  if (!s.empty() && s[0] == '[') {
    auto e = s.find("]:");
    if (e == std::string::npos)
      return MakeError(ErrorKind::kBadInput, "--listen " + s + " is not [ADDRESS]:PORT",
                       "write it like [::1]:8080");
    host = s.substr(1, e - 1);
    port = s.substr(e + 2);
  } else if (auto c = s.rfind(':'); c != std::string::npos) {
    if (c > 0) host = s.substr(0, c);
    port = s.substr(c + 1);
  }
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535)
    return MakeError(ErrorKind::kBadInput, "--listen " + s + " has no valid port",
                     "write it like 127.0.0.1:8080");
  return std::make_pair(host, static_cast<int>(p));
}

namespace {

bool SameToken(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char d = 0;
  for (size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

}  // namespace

Status Serve(const ServeOptions& o, const std::atomic<bool>* stop) {
  if (!IsLoopback(o.host) && o.token.empty())
    return MakeError(ErrorKind::kBadInput,
                     "serving on " + o.host + " (beyond this machine) needs a token",
                     "pass --token-file FILE (or --token), or listen on 127.0.0.1");
  Sampler sampler(o.collect);
  sampler.Start(o.sample_ms);

  httplib::Server svr;
  svr.set_default_headers(
      {{"Cache-Control", "no-store"},
       {"X-Content-Type-Options", "nosniff"},
       {"Referrer-Policy", "no-referrer"},
       // Nothing the page loads may leave this server.
       {"Content-Security-Policy",
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'"}});
  const std::string token = o.token;
  svr.set_pre_routing_handler([token](const httplib::Request& req, httplib::Response& res) {
    if (token.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string auth = req.get_header_value("Authorization");
    bool ok = (auth.rfind("Bearer ", 0) == 0 && SameToken(auth.substr(7), token)) ||
              (req.has_param("token") && SameToken(req.get_param_value("token"), token));
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer");
    res.set_content("401 unauthorized: pass the token as Authorization: Bearer TOKEN or ?token=\n",
                    "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.Get("/", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        LivePage(LiveFragment(sampler.Latest(), sampler.StatusJson(), sampler.Samples())),
        "text/html; charset=utf-8");
  });
  svr.Get("/api/fragment", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(LiveFragment(sampler.Latest(), sampler.StatusJson(), sampler.Samples()),
                    "text/html; charset=utf-8");
  });
  svr.Get("/api/status", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(sampler.StatusJson().dump(2) + "\n", "application/json");
  });
  svr.Get("/api/samples", [&](const httplib::Request&, httplib::Response& res) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& s : sampler.Samples())
      a.push_back({{"t", s.t_ms},
                   {"lag_bytes", s.lag_bytes},
                   {"commit_lag_seconds", s.commit_lag_s},
                   {"apply_rows_per_second", s.apply_rows_per_s},
                   {"retained_bytes", s.retained_bytes},
                   {"bytes_copied", s.bytes_copied},
                   {"copy_bytes_per_second", s.copy_bytes_per_s}});
    res.set_content(nlohmann::json{{"samples", a}}.dump() + "\n", "application/json");
  });

  int port = o.port;
  if (port == 0) {
    port = svr.bind_to_any_port(o.host);
    if (port <= 0) return MakeError(ErrorKind::kBadInput, "cannot listen on " + o.host);
  } else if (!svr.bind_to_port(o.host, port)) {
    return MakeError(ErrorKind::kBadInput,
                     "cannot listen on " + o.host + ":" + std::to_string(port),
                     "the port is in use or the address is not on this machine; pick another "
                     "with --listen");
  }
  std::thread watcher([&] {
    while (!stop->load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    svr.stop();
  });
  std::string shown = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  std::printf("serving http://%s:%d/%s\n", shown.c_str(), port,
              o.token.empty() ? "" : " (token required)");
  std::fflush(stdout);
  svr.listen_after_bind();
  // listen returned: stopped by the watcher, or a fatal socket error.
  if (!stop->load()) {
    const_cast<std::atomic<bool>*>(stop)->store(true);
  }
  watcher.join();
  sampler.Stop();
  return Status::Ok();
}

}  // namespace hk::status
