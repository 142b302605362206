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

  /// The test CA of a cluster started with --ssl or --managed.
  std::string CaFile() const;
  /// postgresql://user:password@HOST:port/db?sslmode=verify-full&sslrootcert=CA
  /// (HOST 127.0.0.1 unless given; the certificate names 127.0.0.1 and localhost).
  std::string TlsUri(const std::string& user, const std::string& password,
                     const std::string& db = "postgres",
                     const std::string& host = "127.0.0.1") const;

 private:
  std::string name_;
  std::string uri_;
  int port_ = 0;
};

/// Roles as hosted services hand them out, for clusters started with
/// {"--managed"} (pg_hba: hostssl + scram-sha-256 only). extra_grants adds
/// what a provider does not grant by default: GRANT SET ON PARAMETER
/// session_replication_role and EXECUTE on the pg_replication_origin_*
/// functions; without it, neither is available to the role.
struct ManagedRole {
  std::string user, password;
  std::string uri;  ///< Cluster::TlsUri of the role's database (verify-full).
};

/// A Neon-like project owner (neondb_owner): NOSUPERUSER CREATEDB CREATEROLE
/// REPLICATION, member of pg_read_all_data, pg_write_all_data, pg_monitor and
/// pg_signal_backend, owner of database db (created when missing) and of
/// every table, sequence, view, function, type and schema in it (call again
/// after creating more objects as the superuser: ReassignToRole).
ManagedRole CreateNeonLikeOwner(Cluster& c, const std::string& db, bool extra_grants,
                                const std::string& user = "neondb_owner");

/// An RDS-like master user (rds_admin): NOSUPERUSER NOREPLICATION CREATEDB
/// CREATEROLE, owner of database db (created when missing), member of
/// pg_read_all_data, pg_write_all_data, pg_monitor and pg_signal_backend.
ManagedRole CreateRdsLikeAdmin(Cluster& c, const std::string& db, bool extra_grants,
                               const std::string& user = "rds_admin");

/// Makes `role` the owner of every relation, routine, type and schema of db
/// that an extension does not own (owned sequences follow their tables).
void ReassignToRole(Cluster& c, const std::string& db, const std::string& role);

}  // namespace hk::test
