#include "pg/child_secrets.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

namespace hk::pg {
namespace {

constexpr const char* kService = "hikkoshi";

bool Unrepresentable(const std::string& v) {
  // A service file line ends at a newline and libpq trims trailing blanks.
  return v.find_first_of("\r\n") != std::string::npos ||
         (!v.empty() && std::isspace(static_cast<unsigned char>(v.back())));
}

// libpq's environment variable for each TLS option of a connection string.
const char* TlsEnvVar(const std::string& keyword) {
  static const std::map<std::string, const char*> kVars = {
      {"sslmode", "PGSSLMODE"},
      {"requiressl", "PGREQUIRESSL"},
      {"sslrootcert", "PGSSLROOTCERT"},
      {"sslcert", "PGSSLCERT"},
      {"sslkey", "PGSSLKEY"},
      {"sslcrl", "PGSSLCRL"},
      {"sslcrldir", "PGSSLCRLDIR"},
      {"sslsni", "PGSSLSNI"},
      {"sslcompression", "PGSSLCOMPRESSION"},
      {"sslcertmode", "PGSSLCERTMODE"},
      {"ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION"},
      {"ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION"},
      {"gssencmode", "PGGSSENCMODE"},
  };
  auto it = kVars.find(keyword);
  return it == kVars.end() ? nullptr : it->second;
}

}  // namespace

ConnInfo ChildSecrets::CommandLine(const ConnInfo& ci) {
  ConnInfo out = ci;
  for (const auto& [k, v] : ci.params())
    if (IsSecretOption(k) || TlsEnvVar(k)) out = out.Without(k);
  return out;
}

Result<ChildSecrets> ChildSecrets::For(const ConnInfo& ci) {
  ChildSecrets s;
  std::string lines;
  for (const auto& [k, v] : ci.params()) {
    if (const char* var = TlsEnvVar(k)) {
      s.env_[var] = v;
      continue;
    }
    if (!IsSecretOption(k)) continue;
    if (k == "password") {
      s.env_["PGPASSWORD"] = v;
      continue;
    }
    if (Unrepresentable(v))
      return MakeError(ErrorKind::kBadInput,
                       k + " contains a line break or ends with a blank; it cannot be handed to "
                           "pg_dump/pg_restore",
                       "use a " + k + " without them");
    lines += k + "=" + v + "\n";
  }
  if (lines.empty()) return s;
  const char* env_service = std::getenv("PGSERVICE");
  if (ci.params().count("service") || (env_service && *env_service))
    return MakeError(ErrorKind::kBadInput,
                     "a connection service together with sslpassword in the connection string "
                     "cannot be handed to pg_dump/pg_restore",
                     "put sslpassword into the service's section of the service file instead");

  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/hikkoshi-conn-XXXXXX";
  if (!::mkdtemp(dir.data()))  // 0700
    return MakeError(ErrorKind::kInternal,
                     "cannot create a private directory in " + dir + ": " + std::strerror(errno),
                     "check that TMPDIR (or /tmp) is writable");
  std::string file = dir + "/pg_service.conf";
  s.dir_ = std::shared_ptr<const std::string>(new std::string(dir), [file](const std::string* d) {
    ::unlink(file.c_str());
    ::rmdir(d->c_str());
    delete d;
  });
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return MakeError(ErrorKind::kInternal, "cannot create " + file + ": " + std::strerror(errno));
  std::string text = std::string("[") + kService + "]\n" + lines;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int err = errno;
  ::close(fd);
  if (!ok)
    return MakeError(ErrorKind::kInternal, "cannot write " + file + ": " + std::strerror(err));
  s.env_["PGSERVICEFILE"] = file;
  s.env_["PGSERVICE"] = kService;
  return s;
}

}  // namespace hk::pg
