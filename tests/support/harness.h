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
