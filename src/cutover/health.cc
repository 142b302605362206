#include "cutover/health.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/log.h"
#include "cutover/probe_table.h"
#include "pg/connection.h"

namespace hk::cutover {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

HttpOutcome CheckHttp(const HttpCheck& check) {
  static CurlGlobal once;
  HttpOutcome o;
  o.url = check.url;
  CURL* c = curl_easy_init();
  if (!c) {
    o.error = "cannot initialise libcurl";
    return o;
  }
  curl_easy_setopt(c, CURLOPT_URL, check.url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(2000, 5 * check.budget_ms)));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "hikkoshi-health/1");
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_off_t us = 0;
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &us);
    o.status = static_cast<int>(code);
    o.latency_ms = static_cast<int64_t>(us / 1000);
    o.ok = o.status == check.expect_status && o.latency_ms <= check.budget_ms;
    if (!o.ok)
      o.error = o.status != check.expect_status
                    ? "status " + std::to_string(o.status) + ", expected " +
                          std::to_string(check.expect_status)
                    : std::to_string(o.latency_ms) + " ms, budget " +
                          std::to_string(check.budget_ms) + " ms";
  } else {
    o.error = curl_easy_strerror(rc);
  }
  curl_easy_cleanup(c);
  return o;
}

nlohmann::json HealthReport::ToJson() const {
  nlohmann::json h = nlohmann::json::array();
  for (const auto& x : http)
    h.push_back({{"url", x.url},
                 {"status", x.status},
                 {"latency_ms", x.latency_ms},
                 {"ok", x.ok},
                 {"error", x.error}});
  return {{"ok", ok},
          {"http", h},
          {"sql_p50_ms", sql_p50_ms},
          {"sql_max_ms", sql_max_ms},
          {"sql_ok", sql_ok},
          {"write_probe_ms", write_probe_ms},
          {"write_ok", write_ok},
          {"failure", failure}};
}

HealthReport RunHealthChecks(const CutoverConfig& cfg, const pg::ConnInfo& db) {
  HealthReport r;
  auto started = Clock::now();
  // HTTP: the app was just restarted; give it cfg.health_wait_ms to pass.
  while (true) {
    r.http.clear();
    bool all = true;
    for (const auto& hc : cfg.http) {
      r.http.push_back(CheckHttp(hc));
      all = all && r.http.back().ok;
    }
    if (all) break;
    if (MsSince(started) > cfg.health_wait_ms) {
      for (const auto& o : r.http)
        if (!o.ok) {
          r.failure = "health check " + o.url + " failed: " + o.error;
          break;
        }
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  pg::ConnectOptions co;
  co.application_name = "hikkoshi health";
  co.connect_timeout_s = 5;
  auto conn = pg::Connection::Open(db, co);
  if (!conn.ok()) {
    r.failure = "SQL probe cannot connect: " + conn.error().message;
    return r;
  }
  std::vector<int64_t> ms;
  for (int i = 0; i < 5; ++i) {
    auto t = Clock::now();
    auto q = conn->Exec(cfg.sql_probe);
    if (!q.ok()) {
      r.failure = "SQL probe failed: " + q.error().message;
      return r;
    }
    ms.push_back(MsSince(t));
  }
  std::sort(ms.begin(), ms.end());
  r.sql_p50_ms = ms[ms.size() / 2];
  r.sql_max_ms = ms.back();
  r.sql_ok = r.sql_p50_ms <= cfg.sql_budget_ms;
  if (!r.sql_ok) {
    r.failure = "SQL probe took " + std::to_string(r.sql_p50_ms) + " ms (median), budget " +
                std::to_string(cfg.sql_budget_ms) + " ms";
    return r;
  }
  if (cfg.write_probe) {
    auto t = Clock::now();
    auto st = WriteProbe(*conn);
    r.write_probe_ms = MsSince(t);
    r.write_ok = st.ok();
    if (!st.ok()) {
      r.failure = "write probe failed: " + st.error().message;
      return r;
    }
  } else {
    r.write_ok = true;
  }
  r.ok = true;
  return r;
}

}  // namespace hk::cutover
