#include "cutover/hooks.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>

#include "common/subprocess.h"

namespace hk::cutover {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

}  // namespace

Result<HookResult> RunHookCommand(const std::string& command, int64_t timeout_ms) {
  auto started = Clock::now();
  // Its own process group: a timeout ends the hook and everything it started.
  auto run = RunProcess({"/bin/sh", "-c", command},
                        {.stderr_to_stdout = true, .own_process_group = true, .timeout_ms = timeout_ms});
  if (!run.ok()) return run.TakeError();
  ProcessOutput& p = *run;
  HookResult r;
  r.exit_code = p.exit_code;
  r.timed_out = p.timed_out;
  r.output = std::move(p.out);
  r.duration_ms = MsSince(started);
  return r;
}

namespace {
std::string MissingInSimpleCommand(const std::string& command) {
  std::istringstream in(command);
  std::string word;
  // Skip leading VAR=value assignments.
  while (in >> word && word.find('=') != std::string::npos && word.front() != '=') {
  }
  if (word.empty()) return "";
  static const std::set<std::string> kShell = {
      "cd",   "exec",   "export", "set",  "test",  "[",    "true",   "false",
      "echo", "printf", "if",     "for",  "while", "{",    "(",      "!",
      ".",    "source", "sleep",  "exit", "env",   "sudo", "timeout"};
  if (kShell.count(word) || word.find_first_of("$`'\"();&|<>") != std::string::npos) return "";
  if (word.find('/') != std::string::npos) return ::access(word.c_str(), X_OK) == 0 ? "" : word;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    if (::access((dir + "/" + word).c_str(), X_OK) == 0) return "";
  }
  return word;
}
}  // namespace

std::string MissingProgram(const std::string& command) {
  // Check the first word of every simple command of a `a && b; c | d` list.
  std::string seg;
  for (size_t i = 0; i <= command.size(); ++i) {
    char c = i < command.size() ? command[i] : ';';
    if (c == ';' || c == '&' || c == '|' || c == '\n') {
      if (auto m = MissingInSimpleCommand(seg); !m.empty()) return m;
      seg.clear();
    } else {
      seg += c;
    }
  }
  return "";
}

}  // namespace hk::cutover
