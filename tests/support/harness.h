// Test harness: real PostgreSQL clusters from scripts/pgcluster, and a way to
// run the hikkoshi binary as a user would.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pg/connection.h"

namespace hk::test {

/// Runs a shell command; returns its exit code and captured stdout/stderr.
struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};
ProcessResult RunShell(const std::string& command);

/// Runs the built hikkoshi binary with args (each shell-quoted) and extra env.
ProcessResult RunHikkoshi(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {});

std::string ShellQuote(const std::string& s);

/// The built hikkoshi binary running in the background (stdout and stderr
/// appended to `log`), for signals at chosen moments. Killed when destroyed.
class BackgroundHikkoshi {
 public:
  BackgroundHikkoshi(std::vector<std::string> args, std::string log)
      : args_(std::move(args)), log_(std::move(log)) {}
  ~BackgroundHikkoshi();
  BackgroundHikkoshi(const BackgroundHikkoshi&) = delete;
  BackgroundHikkoshi& operator=(const BackgroundHikkoshi&) = delete;
  void Start();
  /// Sends sig (0: none) and waits; returns the exit code, 128+signal when
  /// killed by one, -1 when not running.
  int Signal(int sig);
  int Kill();
  int Wait() { return Signal(0); }
  bool Alive();

 private:
  std::vector<std::string> args_;
  std::string log_;
  int pid_ = -1;
};
std::string SourceDir();

/// One throwaway cluster. Stopped and removed when destroyed, even when the
/// test failed.
class Cluster {
 public:
  /// extra: more pgcluster start flags, e.g. {"--wal-level", "replica"}.
  explicit Cluster(const std::string& label, const std::vector<std::string>& extra = {});
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// URI of database `db` (default postgres) with the superuser's password.
  std::string Uri(const std::string& db = "postgres") const;
  int port() const { return port_; }
  const std::string& name() const { return name_; }

  /// Creates a database; returns its URI.
  std::string CreateDatabase(const std::string& db);
  /// Runs SQL (several statements allowed) in `db`; fails the test on error.
  void Sql(const std::string& sql, const std::string& db = "postgres");
  /// A single value.
  std::string Value(const std::string& sql, const std::string& db = "postgres");
  /// Runs a psql script file.
  void PsqlFile(const std::string& path, const std::string& db,
                const std::vector<std::string>& vars = {});
  pg::Connection Connect(const std::string& db = "postgres");

  void Restart();

 private:
  std::string name_;
  std::string uri_;
  int port_ = 0;
};

}  // namespace hk::test
