// --retry-for DURATION, shared by clone, verify, backup and follow (#14).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace hk::cli {

/// Adds --retry-for to a subcommand, storing its text in *out.
void AddRetryForFlag(CLI::App* sub, std::string* out);

/// The flag's value in milliseconds (the default when empty); nullopt after
/// printing the usage error for a malformed duration (exit 3).
std::optional<int64_t> ResolveRetryFor(const std::string& text, bool json = false);

/// Adds --stall-timeout (clone, verify): the pg stall watchdog's limit.
void AddStallTimeoutFlag(CLI::App* sub, std::string* out);

/// Turns the stall watchdog on with the flag's value (default 30s; 0
/// disables); false after printing the usage error (exit 3).
bool ApplyStallTimeout(const std::string& text, bool json = false);

}  // namespace hk::cli
