// `hikkoshi serve`: a small HTTP server (cpp-httplib) on 127.0.0.1 by
// default. Any other address needs a token, and when a token is set every
// request must carry it (Authorization: Bearer TOKEN, or ?token=TOKEN), else
// 401. Serves the live page (/), the status JSON (/api/status, the same as
// `status --json`), the page's fragment (/api/fragment) and the samples of
// the last hour (/api/samples).
#pragma once

#include <atomic>
#include <string>

#include "common/status.h"
#include "status/model.h"

namespace hk::status {

struct ServeOptions {
  CollectOptions collect;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;  ///< "" = none (loopback only).
  int sample_ms = 1000;
};

/// True for 127.0.0.0/8, ::1 and localhost.
bool IsLoopback(const std::string& host);

/// Parses "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT".
Result<std::pair<std::string, int>> ParseListen(const std::string& s);

/// Serves until *stop is set. Prints the URL on stdout once listening.
Status Serve(const ServeOptions& o, const std::atomic<bool>* stop);

}  // namespace hk::status
