#include "backup/crash_point.h"

#include <csignal>
#include <cstdlib>
#include <cstring>

#include "common/log.h"

namespace hk::backup {

void CrashPoint(const char* point) {
  const char* want = std::getenv("HIKKOSHI_TEST_CRASH_AFTER");
  if (!want || std::strcmp(want, point) != 0) return;
  LogWarn("HIKKOSHI_TEST_CRASH_AFTER={}: killing myself now", point);
  std::raise(SIGKILL);
}

}  // namespace hk::backup
