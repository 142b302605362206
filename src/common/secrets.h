// Keeps passwords out of every byte hikkoshi writes: logs, reports, JSON,
// error messages and its own process title.
#pragma once

#include <string>
#include <string_view>

namespace hk {

/// Remembers a secret (a password) so Scrub() masks it wherever it appears.
/// Thread-safe. Empty and very short strings are ignored to avoid masking noise.
void RegisterSecret(std::string_view secret);

/// Finds passwords in a connection string by its text alone (the userinfo of
/// `scheme://user:password@host`, `password=...` / `sslpassword=...` values)
/// and registers them, so they are masked even when libpq cannot parse the
/// string (`%zz`, `%00`, an unterminated quote).
void RegisterSecretsIn(std::string_view text);

/// Returns text with passwords masked: the password part of
/// `scheme://user:password@host` URIs, `password=...` keyword values, and
/// registered secrets where they stand as a whole token (not inside a longer
/// word: a password "post" leaves "postgresql" alone).
std::string Scrub(std::string_view text);

/// Overwrites secrets inside argv in place so `ps` and /proc/PID/cmdline never
/// show them. Call first thing in main, on argv itself, after copying it for
/// the argument parser.
void ScrubArgv(int argc, char** argv);

}  // namespace hk
