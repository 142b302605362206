// Shared by follow, status and cleanup: the work directory and signals.
#pragma once

#include <atomic>
#include <string>

#include "config/config.h"

namespace hk::cli {

/// --dir > HIKKOSHI_DIR > config key `workdir` > ".hikkoshi".
std::string ResolveWorkdir(const std::string& flag, bool flag_given, const Config& cfg);

/// The environment variable's value, or `fallback` when unset or empty
/// (HIKKOSHI_APPLY_MODE / HIKKOSHI_TRIGGER_MODE for the followers).
std::string EnvOr(const char* name, const std::string& fallback);

/// Installs SIGINT/SIGTERM handlers that set the returned flag (once).
const std::atomic<bool>* InstallStopSignals();

}  // namespace hk::cli
