// Test hook: HIKKOSHI_TEST_CRASH_AFTER=<point> makes the process SIGKILL
// itself at that named point, so tests can prove that a backup killed
// half-way never looks complete. Points: snapshot, dump, checksums, upload.
#pragma once

namespace hk::backup {

void CrashPoint(const char* point);

}  // namespace hk::backup
