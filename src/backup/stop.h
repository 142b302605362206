// Ctrl-C / SIGTERM during `hikkoshi backup` (#14): the command's signal
// flag, checked between pg_dump output reads, files and multipart parts, so
// the backup stops with its partial files removed and its unfinished
// multipart upload aborted, never marked complete.
#pragma once

#include <atomic>

#include "common/status.h"

namespace hk::backup {

/// Set once by the command (nullptr: never stop).
void SetStopFlag(const std::atomic<bool>* flag);
bool StopRequested();
/// The flag itself, for children that must stop too (nullptr when none).
const std::atomic<bool>* StopFlag();
/// The kInterrupted error a stopped backup returns.
Error InterruptedError();

}  // namespace hk::backup
