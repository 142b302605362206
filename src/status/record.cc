#include "status/record.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/secrets.h"

namespace hk::status {

Status WriteRecord(const std::string& workdir, const std::string& name, const nlohmann::json& j) {
  std::error_code ec;
  if (!std::filesystem::exists(workdir, ec)) {
    std::filesystem::create_directories(workdir, ec);
    ::chmod(workdir.c_str(), 0700);
  }
  std::string path = workdir + "/" + name;
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::string text = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return MakeError(ErrorKind::kInternal, "cannot write " + tmp,
                     "check that the work directory is writable");
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return MakeError(ErrorKind::kInternal, "cannot write " + path,
                     "check that the work directory is writable and not on a full disk");
  }
  return Status::Ok();
}

Result<std::optional<nlohmann::json>> ReadRecord(const std::string& workdir,
                                                 const std::string& name) {
  std::string path = workdir + "/" + name;
  std::ifstream f(path);
  if (!f) return std::optional<nlohmann::json>();
  std::stringstream ss;
  ss << f.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !(j.is_object() || j.is_array()))
    return MakeError(ErrorKind::kInternal, "the state file " + path + " is corrupt (not JSON)",
                     "move it away; the command that wrote it writes it again when rerun");
  return std::optional<nlohmann::json>(std::move(j));
}

Status AppendBackupRecord(const std::string& workdir, const nlohmann::json& entry) {
  nlohmann::json list = nlohmann::json::array();
  auto old = ReadRecord(workdir, "backups.json");
  if (old.ok() && old->has_value() && (**old).is_array()) list = **old;
  list.push_back(entry);
  while (list.size() > 50) list.erase(list.begin());
  return WriteRecord(workdir, "backups.json", list);
}

std::string RecordDir(const std::string& resolved, bool flag_given) {
  std::error_code ec;
  if (flag_given || resolved != ".hikkoshi" || std::filesystem::is_directory(resolved, ec))
    return resolved;
  return "";
}

nlohmann::json DropNulls(nlohmann::json j) {
  if (j.is_object()) {
    nlohmann::json o = nlohmann::json::object();
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!it.value().is_null()) o[it.key()] = DropNulls(it.value());
    return o;
  }
  if (j.is_array())
    for (auto& v : j) v = DropNulls(std::move(v));
  return j;
}

nlohmann::json ScrubJson(nlohmann::json j) {
  if (j.is_string()) return Scrub(j.get<std::string>());
  if (j.is_object() || j.is_array())
    for (auto& v : j) v = ScrubJson(std::move(v));
  return j;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoOfMs(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms % 1000));
}

int64_t MsOfIso(const std::string& iso) {
  std::tm tm{};
  int y, mo, d, h, mi;
  double s;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%lf", &y, &mo, &d, &h, &mi, &s) != 6) return -1;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = 0;
  time_t t = timegm(&tm);
  return static_cast<int64_t>(t) * 1000 + static_cast<int64_t>(s * 1000.0 + 0.5);
}

}  // namespace hk::status
