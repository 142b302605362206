#include "backup/copy_monitor.h"

#include <chrono>
#include <cstdlib>

#include "pg/catalog/filter.h"
#include "pg/connection.h"

namespace hk::backup {
namespace {

// The child's backends in this database; never this session.
constexpr char kChildren[] =
    "a.application_name = $1 AND a.datname = current_database() AND a.pid <> pg_backend_pid()";

Result<CopySample> Poll(pg::Connection& c, const std::string& app, const std::string& command,
                        bool copy_view, bool indexes) {
  CopySample s;
  if (copy_view) {
    HK_ASSIGN_OR_RETURN(auto r, c.Exec(std::string(R"(
      SELECT coalesce(n.nspname || '.' || c.relname, p.relid::text), p.pid,
             p.bytes_processed, p.tuples_processed
      FROM pg_stat_progress_copy p JOIN pg_stat_activity a ON a.pid = p.pid
      LEFT JOIN pg_class c ON c.oid = p.relid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE p.command = $2 AND )") + kChildren,
                                       {app, command}));
    for (int i = 0; i < r.rows(); ++i)
      s.copies.push_back({r.Str(i, 0), static_cast<int>(r.Int(i, 1)), r.Int(i, 2), r.Int(i, 3)});
  }
  if (indexes) {
    // A non-concurrent build has no index_relid yet: its name is in the query.
    HK_ASSIGN_OR_RETURN(auto r, c.Exec(std::string(R"(
      SELECT coalesce(ic.relname, substring(a.query from
               '(?i)INDEX\s+(?:IF NOT EXISTS\s+)?("[^"]+"|[^\s(]+)\s+ON'),
               substring(a.query from '(?i)CONSTRAINT\s+("[^"]+"|\S+)'), 'index'),
             coalesce(n.nspname || '.' || c.relname, p.relid::text), p.phase, p.pid,
             CASE WHEN p.blocks_total > 0 THEN p.blocks_done::float8 / p.blocks_total
                  WHEN p.tuples_total > 0 THEN p.tuples_done::float8 / p.tuples_total
                  ELSE 0 END
      FROM pg_stat_progress_create_index p JOIN pg_stat_activity a ON a.pid = p.pid
      LEFT JOIN pg_class ic ON ic.oid = nullif(p.index_relid, 0)
      LEFT JOIN pg_class c ON c.oid = p.relid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE )") + kChildren,
                                       {app}));
    HK_ASSIGN_OR_RETURN(auto n, c.QueryValue("SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                                             "ON n.oid = c.relnamespace WHERE c.relkind IN "
                                             "('i', 'I') AND " +
                                             pg::catalog::UserRelation()));
    s.indexes_present = std::atoll(n.c_str());
    for (int i = 0; i < r.rows(); ++i) {
      IndexRow x{r.Str(i, 0), r.Str(i, 1), r.Str(i, 2), static_cast<int>(r.Int(i, 3)), 0};
      x.fraction = std::stod(r.Str(i, 4).empty() ? "0" : r.Str(i, 4));
      s.indexes.push_back(std::move(x));
    }
  }
  s.ok = true;
  return s;
}

}  // namespace

CopyMonitor::CopyMonitor(pg::ConnInfo db, std::string app_name, std::string command, bool indexes,
                         bool sizes)
    : db_(std::move(db)),
      app_name_(std::move(app_name)),
      command_(std::move(command)),
      indexes_(indexes),
      sizes_(sizes) {}

void CopyMonitor::Start(std::function<void(const CopySample&)> on_sample) {
  std::lock_guard<std::mutex> l(mu_);
  if (running_) return;
  on_sample_ = std::move(on_sample);
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void CopyMonitor::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!running_) return;
    running_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CopyMonitor::Loop() {
  pg::Connection conn;
  bool connected = false, copy_view = false, want_sizes = sizes_;
  auto next_connect = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> l(mu_);
  while (running_) {
    l.unlock();
    CopySample s;
    if (!connected && std::chrono::steady_clock::now() >= next_connect) {
      auto c = pg::Connection::Open(
          db_, {.application_name = "hikkoshi-progress", .connect_timeout_s = 5});
      if (c.ok()) {
        conn = std::move(c).value();
        auto v = conn.QueryValue("SELECT current_setting('server_version_num')");
        copy_view = v.ok() && std::atoi(v->c_str()) >= 140000;  // pg_stat_progress_copy
        connected = v.ok();
      }
      // A refused connection (limits, outage) is tried again later, quietly.
      if (!connected) next_connect = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    }
    if (connected) {
      auto r = Poll(conn, app_name_, command_, copy_view, indexes_);
      if (r.ok()) {
        s = std::move(r).value();
        if (want_sizes) {
          auto z = conn.Exec(
              "SELECT n.nspname || '.' || c.relname, pg_relation_size(c.oid) "
              "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
              "WHERE c.relkind IN ('r', 'm') AND " +
              pg::catalog::UserRelation());
          if (z.ok()) {
            for (int i = 0; i < z->rows(); ++i) s.sizes[z->Str(i, 0)] = z->Int(i, 1);
            want_sizes = false;
          }
        }
      } else {
        conn = pg::Connection();
        connected = false;
        next_connect = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      }
    }
    if (on_sample_) on_sample_(s);
    l.lock();
    cv_.wait_for(l, std::chrono::milliseconds(500), [this] { return !running_; });
  }
}

}  // namespace hk::backup
