// Deterministic crash injection for the kill -9 tests, one hook for every
// stage (clone, backup, cutover's journal): when the environment variable
// HIKKOSHI_TEST_CRASH_AFTER names this point ("name" or "name:N" for the N-th
// time it is reached), the process sends itself SIGKILL. With
// HIKKOSHI_TEST_INTERRUPT_AFTER it sends itself SIGINT instead (a Ctrl-C at
// a known point; the run must then stop cleanly with exit code 130).
// Points: clone "step-NAME", "tool-LABEL", ...; backup "snapshot", "dump",
// "checksums", "upload", "part"; cutover: every journal step name.
#pragma once

namespace hk {

void CrashPoint(const char* name);

}  // namespace hk
