// What `check` learns about a server, gathered by read-only catalog queries.
// The rules in rules.cc turn these facts into verdicts without touching a
// server, so they are unit-tested on plain structs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clone/roles.h"
#include "common/status.h"
#include "pg/connection.h"

namespace hk::check {

struct TableFacts {
  std::string schema, name;
  char relkind = 'r';    ///< 'r' table, 'p' partitioned root
  char replident = 'd';  ///< d default, n nothing, f full, i index
  bool has_pk = false;
  bool has_replident_index = false;
  bool unlogged = false;
  bool is_partition = false;
  bool has_generated = false;
  bool can_select = true;
  bool owned = true;     ///< The user is (a member of) the owner: may publish it by name.
  int64_t bytes = 0;     ///< pg_total_relation_size
  int64_t est_rows = 0;  ///< reltuples (an estimate, used for planning only)

  std::string Qualified() const;
  /// UPDATE/DELETE can be replicated: a PK, REPLICA IDENTITY FULL or USING INDEX.
  bool HasUsableIdentity() const;
};

struct ServerFacts {
  std::string redacted;
  std::string host;
  std::string version;  ///< "15.18 (Debian ...)" short form
  int version_num = 0;
  std::string system_identifier;  ///< empty when not visible to this user
  std::string server_addr;        ///< inet_server_addr():port, or socket
  std::string database, user;
  std::string encoding, collate, ctype, locale_provider, icu_locale;
  std::string wal_level;
  int max_replication_slots = 0, used_replication_slots = 0;
  int max_wal_senders = 0, used_wal_senders = 0;
  bool is_superuser = false, has_replication = false, rds_replication = false,
       rds_superuser = false, can_create_in_db = false;
  bool ssl = false;
  int64_t database_bytes = 0;
  int64_t large_objects = 0;
  int64_t user_objects = 0;  ///< relations, types and functions outside system schemas
  std::vector<TableFacts> tables;
  std::vector<std::string> matviews;
  std::map<std::string, std::string> extensions;            ///< installed: name → version
  std::map<std::string, std::string> available_extensions;  ///< name → default_version
  std::map<std::string, std::string> settings;              ///< a few GUCs worth reporting
  /// ALTER DATABASE ... SET / ALTER ROLE ... IN DATABASE ... SET of this
  /// database: (role or "" for the database, "name=value").
  std::vector<std::pair<std::string, std::string>> db_settings;
  bool owns_database = false;  ///< The user is (a member of) the database's owner.
  /// Capabilities for applying changes on this server (follow on the target,
  /// reverse replication on the source), tested as privileges, not names.
  bool origin_functions = false;      ///< EXECUTE on the pg_replication_origin_* follow uses.
  bool can_set_replica_role = false;  ///< May SET session_replication_role.
  /// Roles this database's schema names (owners, grantees, policies).
  std::vector<clone::RoleRef> referenced_roles;
  std::vector<std::string> roles;  ///< Every role of the server (pg_roles), sorted.
};

/// Runs the catalog queries. Read-only; needs only the privileges of a normal
/// login role (fields it cannot see stay empty).
Result<ServerFacts> GatherFacts(pg::Connection& c);

}  // namespace hk::check
