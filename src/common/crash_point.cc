#include "common/crash_point.h"

#include <signal.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

#include "common/log.h"

namespace hk {
namespace {

bool Matches(const char* spec, const char* name) {
  if (!spec || !*spec) return false;
  std::string s(spec);
  int nth = 1;
  // "name:N" only when what follows the last colon is a number: step names
  // such as "hook: restart demoapp" contain colons of their own.
  if (size_t c = s.rfind(':'); c != std::string::npos && c + 1 < s.size() &&
                               s.find_first_not_of("0123456789", c + 1) == std::string::npos) {
    nth = std::atoi(s.c_str() + c + 1);
    s = s.substr(0, c);
  }
  if (s != name) return false;
  static std::mutex mu;
  static std::map<std::string, int> seen;
  std::lock_guard<std::mutex> l(mu);
  return ++seen[std::string(spec)] == nth;
}

}  // namespace

void CrashPoint(const char* name) {
  static const char* kill_spec = std::getenv("HIKKOSHI_TEST_CRASH_AFTER");
  static const char* int_spec = std::getenv("HIKKOSHI_TEST_INTERRUPT_AFTER");
  if (Matches(kill_spec, name)) {
    LogWarn("HIKKOSHI_TEST_CRASH_AFTER={}: killing myself now", name);
    raise(SIGKILL);
  }
  if (Matches(int_spec, name)) raise(SIGINT);
}

}  // namespace hk
