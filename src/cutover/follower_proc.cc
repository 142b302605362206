#include "cutover/follower_proc.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cdc/follow_state.h"
#include "common/subprocess.h"

namespace hk::cutover {
namespace {

std::string ReadProc(int pid, const char* what) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/" + what);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool Zombie(int pid) {
  std::string stat = ReadProc(pid, "stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

}  // namespace

std::string SelfExe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("hikkoshi") : p.string();
}

bool ProcessExists(int pid) { return pid > 0 && ::kill(pid, 0) == 0 && !Zombie(pid); }

int RecordedFollowerPid(const std::string& workdir) {
  std::ifstream f(workdir + "/follower.pid");
  int p = 0;
  return (f >> p) ? p : 0;
}

Status StopFollowersOf(const std::string& workdir, int wait_ms) {
  std::vector<int> pids;
  auto st = cdc::LoadFollowState(workdir);
  if (st.ok()) pids.push_back(st->pid);
  pids.push_back(RecordedFollowerPid(workdir));
  for (int pid : pids) HK_RETURN_IF_ERROR(StopFollower(pid, wait_ms));
  return Status::Ok();
}

bool FollowerAlive(int pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  if (Zombie(pid)) return false;
  std::string cmd = ReadProc(pid, "cmdline");
  for (auto& c : cmd)
    if (c == '\0') c = ' ';
  return cmd.find("follow") != std::string::npos;
}

Status StopFollower(int pid, int wait_ms) {
  if (!FollowerAlive(pid)) return Status::Ok();
  ::kill(pid, SIGTERM);
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (std::chrono::steady_clock::now() < until) {
    ::waitpid(pid, nullptr, WNOHANG);  // in case it is our child
    if (!FollowerAlive(pid)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 100; ++i) {
    ::waitpid(pid, nullptr, WNOHANG);
    if (!FollowerAlive(pid)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return MakeError(ErrorKind::kInternal,
                   "follower process " + std::to_string(pid) + " does not stop",
                   "kill it by hand and rerun");
}

Result<int> SpawnFollower(const std::string& exe, const pg::ConnInfo& source,
                          const pg::ConnInfo& target, const std::string& workdir) {
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);
  std::string log = workdir + "/follow.log";
  HK_ASSIGN_OR_RETURN(
      int gc, SpawnDetached({exe, "follow", "--dir", workdir},
                            {{"HIKKOSHI_SOURCE", source.ToKeywordString(true)},
                             {"HIKKOSHI_TARGET", target.ToKeywordString(true)}},
                            log));
  std::ofstream(workdir + "/follower.pid") << gc << "\n";
  return gc;
}

}  // namespace hk::cutover
