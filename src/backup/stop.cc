#include "backup/stop.h"

namespace hk::backup {
namespace {
std::atomic<const std::atomic<bool>*> g_flag{nullptr};
}  // namespace

void SetStopFlag(const std::atomic<bool>* flag) { g_flag = flag; }

bool StopRequested() {
  const std::atomic<bool>* f = g_flag.load();
  return f != nullptr && f->load();
}

const std::atomic<bool>* StopFlag() { return g_flag.load(); }

Error InterruptedError() {
  return MakeError(ErrorKind::kInterrupted,
                   "backup interrupted: nothing was marked complete; partial files were removed "
                   "and unfinished S3 uploads aborted",
                   "run the backup again");
}

}  // namespace hk::backup
