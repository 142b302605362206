#include "status/history.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "status/record.h"

namespace hk::status {

void AppendFollowSample(const std::string& workdir, const cdc::FollowState& s) {
  static std::mutex mu;
  static int64_t last_ms = 0;
  static std::string last_phase;
  std::lock_guard<std::mutex> l(mu);
  int64_t now = NowMs();
  if (now - last_ms < 5000 && s.phase == last_phase) return;
  last_ms = now;
  last_phase = s.phase;
  std::string path = workdir + "/follow-history.jsonl";
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) > 4u * 1024 * 1024 && !ec)
    std::filesystem::rename(path, path + ".1", ec);
  nlohmann::json j = {{"t", now},
                      {"phase", s.phase},
                      {"lag_bytes", s.lag_bytes},
                      {"commit_lag_seconds", s.commit_lag_s},
                      {"apply_rows_per_second", s.apply_rows_per_s},
                      {"apply_txn_per_second", s.apply_txn_per_s},
                      {"retained_bytes", s.slot_retained_bytes}};
  std::string line = j.dump() + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return;
  (void)!::write(fd, line.data(), line.size());
  ::close(fd);
}

std::vector<FollowSample> ReadFollowHistory(const std::string& workdir, int64_t since_ms) {
  std::vector<FollowSample> out;
  for (const std::string& p :
       {workdir + "/follow-history.jsonl.1", workdir + "/follow-history.jsonl"}) {
    std::ifstream f(p);
    std::string line;
    while (std::getline(f, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;  // a kill can cut the last line
      FollowSample s;
      s.t_ms = j.value("t", int64_t{0});
      if (s.t_ms < since_ms) continue;
      s.phase = j.value("phase", "");
      s.lag_bytes = j.value("lag_bytes", int64_t{-1});
      s.commit_lag_s = j.value("commit_lag_seconds", -1.0);
      s.apply_rows_per_s = j.value("apply_rows_per_second", 0.0);
      s.apply_txn_per_s = j.value("apply_txn_per_second", 0.0);
      s.retained_bytes = j.value("retained_bytes", int64_t{-1});
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace hk::status
