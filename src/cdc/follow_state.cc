#include "cdc/follow_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

namespace hk::cdc {

std::string FollowStatePath(const std::string& workdir) { return workdir + "/follow.json"; }

namespace {

nlohmann::json ToJson(const FollowState& s) {
  return {
      {"schema_version", 1},
      {"id", s.id},
      {"slot", s.slot},
      {"publication", s.publication},
      {"origin", s.origin},
      {"source", s.source},
      {"target", s.target},
      {"consistent_point", FormatLsn(s.consistent_point)},
      {"created_at", s.created_at},
      {"copy", s.copy},
      {"apply_mode", s.apply_mode},
      {"trigger_mode", s.trigger_mode},
      {"publication_tables", s.publication_tables},
      {"left_out", s.left_out},
      {"phase", s.phase},
      {"updated_at", s.updated_at},
      {"updated_unix_ms", s.updated_unix_ms},
      {"pid", s.pid},
      {"received_lsn", FormatLsn(s.received_lsn)},
      {"applied_lsn", FormatLsn(s.applied_lsn)},
      {"source_current_lsn", FormatLsn(s.source_current_lsn)},
      {"lag_bytes", s.lag_bytes},
      {"commit_lag_seconds", s.commit_lag_s},
      {"last_commit_time", s.last_commit_time},
      {"apply_txn_per_second", s.apply_txn_per_s},
      {"apply_rows_per_second", s.apply_rows_per_s},
      {"lag_p50_ms_last_minute", s.lag_p50_ms_1m},
      {"lag_p99_ms_last_minute", s.lag_p99_ms_1m},
      {"apply_txn_per_second_last_minute", s.apply_txn_per_s_1m},
      {"apply_rows_per_second_last_minute", s.apply_rows_per_s_1m},
      {"txns_applied", s.txns_applied},
      {"rows_applied", s.rows_applied},
      {"slot_retained_bytes", s.slot_retained_bytes},
      {"slot_wal_status", s.slot_wal_status},
      {"last_error", s.last_error},
  };
}

// Throws std::runtime_error naming the field when its type is wrong.
template <class T>
void Get(const nlohmann::json& j, const char* k, T& out) {
  if (!j.contains(k) || j[k].is_null()) return;
  try {
    out = j[k].get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error(k);
  }
}
void GetLsn(const nlohmann::json& j, const char* k, Lsn& out) {
  std::string s;
  Get(j, k, s);
  if (auto v = ParseLsn(s)) out = *v;
}

}  // namespace

Result<FollowState> LoadFollowState(const std::string& workdir) {
  std::string path = FollowStatePath(workdir);
  std::ifstream f(path);
  if (!f) {
    return MakeError(ErrorKind::kBadInput, "no follow state in " + path,
                     "run `hikkoshi clone --follow` first, or pass the --dir of that run");
  }
  std::stringstream ss;
  ss << f.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return MakeError(ErrorKind::kInternal, path + " is not valid JSON",
                     "restore it or remove it and start over with clone --follow");
  FollowState s;
  try {
    Get(j, "id", s.id);
    Get(j, "slot", s.slot);
    Get(j, "publication", s.publication);
    Get(j, "origin", s.origin);
    Get(j, "source", s.source);
    Get(j, "target", s.target);
    GetLsn(j, "consistent_point", s.consistent_point);
    Get(j, "created_at", s.created_at);
    Get(j, "copy", s.copy);
    Get(j, "apply_mode", s.apply_mode);
    Get(j, "trigger_mode", s.trigger_mode);
    Get(j, "publication_tables", s.publication_tables);
    Get(j, "left_out", s.left_out);
    Get(j, "phase", s.phase);
    Get(j, "updated_at", s.updated_at);
    Get(j, "updated_unix_ms", s.updated_unix_ms);
    Get(j, "pid", s.pid);
    GetLsn(j, "received_lsn", s.received_lsn);
    GetLsn(j, "applied_lsn", s.applied_lsn);
    GetLsn(j, "source_current_lsn", s.source_current_lsn);
    Get(j, "lag_bytes", s.lag_bytes);
    Get(j, "commit_lag_seconds", s.commit_lag_s);
    Get(j, "last_commit_time", s.last_commit_time);
    Get(j, "apply_txn_per_second", s.apply_txn_per_s);
    Get(j, "apply_rows_per_second", s.apply_rows_per_s);
    Get(j, "lag_p50_ms_last_minute", s.lag_p50_ms_1m);
    Get(j, "lag_p99_ms_last_minute", s.lag_p99_ms_1m);
    Get(j, "apply_txn_per_second_last_minute", s.apply_txn_per_s_1m);
    Get(j, "apply_rows_per_second_last_minute", s.apply_rows_per_s_1m);
    Get(j, "txns_applied", s.txns_applied);
    Get(j, "rows_applied", s.rows_applied);
    Get(j, "slot_retained_bytes", s.slot_retained_bytes);
    Get(j, "slot_wal_status", s.slot_wal_status);
    Get(j, "last_error", s.last_error);
  } catch (const std::exception& e) {
    return MakeError(ErrorKind::kInternal,
                     "the follow state file " + path + " is corrupt (field \"" + e.what() +
                         "\" has the wrong type)",
                     "restore it from a copy; else move it away, drop the replication slot it "
                     "names on the source and start over with clone --follow");
  }
  if (s.slot.empty() || s.origin.empty())
    return MakeError(ErrorKind::kInternal, path + " names no slot or origin");
  return s;
}

Status SaveFollowState(const std::string& workdir, const FollowState& s, bool durable) {
  std::error_code ec;
  std::filesystem::create_directories(workdir, ec);
  std::string path = FollowStatePath(workdir);
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::string text = ToJson(s).dump(2) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return MakeError(ErrorKind::kInternal, "cannot write " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (durable) ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return MakeError(ErrorKind::kInternal, "cannot write " + path);
  }
  return Status::Ok();
}

std::string NewFollowId() {
  std::random_device rd;
  std::mt19937_64 g((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(getpid()));
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 10; ++i) s.push_back(hex[g() % 16]);
  return s;
}

}  // namespace hk::cdc
