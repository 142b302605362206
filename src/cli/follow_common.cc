#include "cli/follow_common.h"

#include <csignal>
#include <cstdlib>

namespace hk::cli {
namespace {
std::atomic<bool> g_stop{false};
extern "C" void OnStopSignal(int) { g_stop.store(true); }
}  // namespace

std::string ResolveWorkdir(const std::string& flag, bool flag_given, const Config& cfg) {
  std::string dir = flag;
  cfg.Resolve(dir, flag_given, "HIKKOSHI_DIR", "workdir");
  return dir.empty() ? ".hikkoshi" : dir;
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

const std::atomic<bool>* InstallStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: waits return early so the loop sees the flag
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return &g_stop;
}

}  // namespace hk::cli
