#include "backup/child_conn.h"

#include <unistd.h>

#include "common/log.h"
#include "common/secrets.h"

namespace hk::backup {

std::string ChildAppName(const std::string& what) {
  return "hikkoshi-" + what + "-" + std::to_string(::getpid());
}

ChildConn ChildConnFor(const pg::ConnInfo& ci, const std::string& app_name) {
  ChildConn c;
  // TLS settings and secrets go through the environment (pg::ChildSecrets).
  std::string kw =
      pg::ChildSecrets::CommandLine(ci.With("application_name", app_name)).ToKeywordString(false);
  if (!kw.empty()) c.dbname_arg = "--dbname=" + kw;
  auto secrets = pg::ChildSecrets::For(ci);
  if (secrets.ok()) {
    c.env.insert(secrets->env().begin(), secrets->env().end());
    c.secrets = std::make_shared<const pg::ChildSecrets>(std::move(secrets).value());
  } else {
    LogWarn("{}; the child connects without it", Scrub(secrets.error().message));
  }
  c.env["PGAPPNAME"] = app_name;
  return c;
}

}  // namespace hk::backup
