#include "clone/crash_point.h"

#include <signal.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

namespace hk::clone {

void CrashPoint(const char* name) {
  static const char* spec = std::getenv("HIKKOSHI_TEST_CRASH_AFTER");
  if (!spec || !*spec) return;
  std::string s(spec);
  int nth = 1;
  if (size_t c = s.find(':'); c != std::string::npos) {
    nth = std::atoi(s.c_str() + c + 1);
    s = s.substr(0, c);
  }
  if (s != name) return;
  static std::mutex mu;
  static std::map<std::string, int> seen;
  std::lock_guard<std::mutex> l(mu);
  if (++seen[s] >= nth) raise(SIGKILL);
}

}  // namespace hk::clone
