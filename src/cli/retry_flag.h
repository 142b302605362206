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

}  // namespace hk::cli
