// Deterministic crash injection for the kill -9 tests: when the environment
// variable HIKKOSHI_TEST_CRASH_AFTER names this point ("name" or "name:N" for
// the N-th time it is reached), the process sends itself SIGKILL.
#pragma once

namespace hk::clone {

void CrashPoint(const char* name);

}  // namespace hk::clone
