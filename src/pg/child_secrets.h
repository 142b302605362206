// Connection secrets for a libpq child process (pg_dump, pg_restore). They
// never go on its command line, which `ps` shows to every local user.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::pg {

class ChildSecrets {
 public:
  /// The password travels in PGPASSWORD. Secrets libpq reads from no
  /// environment variable (sslpassword) go into a 0600 service file in a
  /// private 0700 directory, named to the child by PGSERVICEFILE + PGSERVICE
  /// (libpq fills options the connection string leaves out from it). The file
  /// is removed when the last copy of this object is destroyed, so keep it
  /// alive until the child has exited.
  /// TLS settings (sslmode, sslrootcert, sslcert, sslkey, ...) travel in
  /// their PGSSL* variables too, so a child's command line shows no TLS setup.
  static Result<ChildSecrets> For(const ConnInfo& ci);

  /// `ci` without what For() hands over through the environment (the secrets
  /// and the TLS settings): what may appear on a child's command line.
  static ConnInfo CommandLine(const ConnInfo& ci);

  /// Variables to add to (or replace in) the child's environment.
  const std::map<std::string, std::string>& env() const { return env_; }

 private:
  std::map<std::string, std::string> env_;
  std::shared_ptr<const std::string> dir_;  ///< Removed by its deleter.
};

}  // namespace hk::pg
