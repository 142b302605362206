// Connection strings as the user gives them: libpq URIs
// (postgresql://user:pw@host:port/db?sslmode=require), keyword strings
// ("host=... dbname=..."), or nothing at all (PG* environment variables and
// ~/.pgpass then fill in, exactly as for psql).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hk::pg {

class ConnInfo {
 public:
  ConnInfo() = default;

  /// Parses with libpq's own parser (PQconninfoParse), so every form libpq
  /// accepts is accepted. Registers any password with the secret scrubber.
  static Result<ConnInfo> Parse(std::string_view text);

  /// The parameters given explicitly (not defaults, not environment).
  const std::map<std::string, std::string>& params() const { return params_; }

  /// An explicit parameter, else the PG* environment variable libpq would use, else "".
  std::string Effective(const std::string& key) const;

  /// A copy with one parameter set (e.g. dbname, replication, application_name).
  ConnInfo With(const std::string& key, const std::string& value) const;
  ConnInfo Without(const std::string& key) const;

  /// postgresql://user@host:port/dbname?opts, with no password. Safe for any output.
  std::string Redacted() const;

  /// A libpq keyword string. include_password adds the secret options
  /// (password, sslpassword): only for a child's environment, never a command
  /// line; pg_dump/pg_restore get theirs through pg::ChildSecrets.
  std::string ToKeywordString(bool include_password) const;

  std::string Host() const { return Effective("host"); }
  std::string Database() const;
  std::string User() const;
  bool HasPassword() const { return params_.count("password") > 0; }

 private:
  std::map<std::string, std::string> params_;
};

/// True for the options libpq treats as secrets (password, sslpassword).
bool IsSecretOption(std::string_view keyword);

/// Quotes a value for a libpq keyword string: 'it''s' style with backslashes.
std::string QuoteConnValue(std::string_view v);

}  // namespace hk::pg
