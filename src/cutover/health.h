// Health checks after a switch: the application's HTTP endpoints (status and
// latency budget, via libcurl), a SQL probe against the database the app now
// uses (latency budget), and a write probe (insert and delete a row in
// hikkoshi.cutover_probe).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "cutover/config.h"
#include "pg/conninfo.h"

namespace hk::cutover {

struct HttpOutcome {
  std::string url;
  int status = 0;  ///< 0 when no response.
  int64_t latency_ms = -1;
  bool ok = false;
  std::string error;  ///< curl's message when no response.
};

/// One GET with a timeout of max(2 s, 5 × budget).
HttpOutcome CheckHttp(const HttpCheck& check);

struct HealthReport {
  bool ok = false;
  std::vector<HttpOutcome> http;
  int64_t sql_p50_ms = -1, sql_max_ms = -1;
  bool sql_ok = false;
  int64_t write_probe_ms = -1;
  bool write_ok = false;
  std::string failure;  ///< First failed check, one sentence.
  nlohmann::json ToJson() const;
};

/// Polls the HTTP checks until all pass or wait_ms runs out, then runs the
/// SQL probe (5 runs; the median must be within budget) and the write probe
/// against `db`.
HealthReport RunHealthChecks(const CutoverConfig& cfg, const pg::ConnInfo& db);

}  // namespace hk::cutover
