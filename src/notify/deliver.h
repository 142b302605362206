// One delivery attempt of an event body to one target: an HTTP POST
// (webhook) or a child process (command). `abort` set by another thread
// stops an attempt in progress (the flush deadline at exit).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace hk::notify {

/// POSTs `body` as application/json; ok on 2xx. The error names the HTTP
/// status or curl's message (never the URL's path or credentials).
Status PostJson(const std::string& url, const std::string& body, int64_t timeout_ms,
                const std::atomic<bool>& abort);

/// Runs argv (no shell) with `body` on stdin and in env HIKKOSHI_EVENT; ok on exit 0.
/// Killed after timeout_ms or on abort.
Status RunCommand(const std::vector<std::string>& argv, const std::string& body, int64_t timeout_ms,
                  const std::atomic<bool>& abort);

}  // namespace hk::notify
