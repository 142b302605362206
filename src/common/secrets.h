// Keeps passwords out of every byte hikkoshi writes: logs, reports, JSON,
// error messages and its own process title.
#pragma once

#include <string>
#include <string_view>

namespace hk {

/// Remembers a secret (a password) so Scrub() masks it wherever it appears.
/// Thread-safe. Empty and very short strings are ignored to avoid masking noise.
void RegisterSecret(std::string_view secret);

/// Returns text with passwords masked: registered secrets, the password part of
/// `scheme://user:password@host` URIs and `password=...` keyword values.
std::string Scrub(std::string_view text);

/// Overwrites secrets inside argv in place so `ps` and /proc/PID/cmdline never
/// show them. Call after argument parsing has copied what it needs.
void ScrubArgv(int argc, char** argv);

}  // namespace hk
