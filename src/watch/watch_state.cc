#include "watch/watch_state.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hk::watch {

std::string WatchStatePath(const std::string& workdir) { return workdir + "/watch.json"; }

Result<WatchState> LoadWatchState(const std::string& workdir) {
  WatchState st;
  std::string path = WatchStatePath(workdir);
  if (!std::filesystem::exists(path)) return st;
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    auto j = nlohmann::json::parse(ss.str());
    st.first_pass_ms = j.value("first_pass_ms", int64_t{0});
    st.last_pass_ms = j.value("last_pass_ms", int64_t{0});
    st.last_clean = j.value("last_clean", false);
    st.source = j.value("source_counters", Counters{});
    st.target = j.value("target_counters", Counters{});
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorKind::kInternal, path + " is corrupt: " + e.what(),
                     "delete it: the next pass verifies every table");
  }
  return st;
}

Status SaveWatchState(const std::string& workdir, const WatchState& st) {
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);
  nlohmann::json j = {{"first_pass_ms", st.first_pass_ms},
                      {"last_pass_ms", st.last_pass_ms},
                      {"last_clean", st.last_clean},
                      {"source_counters", st.source},
                      {"target_counters", st.target}};
  std::string path = WatchStatePath(workdir), tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) return MakeError(ErrorKind::kInternal, "cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return MakeError(ErrorKind::kInternal, "cannot rename " + tmp + ": " + ec.message());
  return Status::Ok();
}

std::map<std::string, bool> ChangedTables(const WatchState& before, const Counters& source,
                                          const Counters& target) {
  std::map<std::string, bool> out;
  auto differs = [](const Counters& old, const std::string& t, int64_t now) {
    auto it = old.find(t);
    return it == old.end() || it->second != now;
  };
  for (const auto& [t, n] : source) out[t] = !before.last_clean || differs(before.source, t, n);
  for (const auto& [t, n] : target)
    out[t] = out[t] || !before.last_clean || differs(before.target, t, n) || !source.count(t);
  return out;
}

}  // namespace hk::watch
