#include "backup/location.h"

namespace hk::backup {

Result<Location> Location::Parse(const std::string& text) {
  Location l;
  if (text.empty()) {
    return MakeError(ErrorKind::kBadInput, "empty backup location",
                     "pass a directory or s3://bucket/prefix");
  }
  if (text.rfind("s3://", 0) == 0) {
    l.kind = Kind::kS3;
    std::string rest = text.substr(5);
    auto slash = rest.find('/');
    l.bucket = rest.substr(0, slash);
    if (slash != std::string::npos) l.prefix = rest.substr(slash + 1);
    while (!l.prefix.empty() && l.prefix.back() == '/') l.prefix.pop_back();
    while (!l.prefix.empty() && l.prefix.front() == '/') l.prefix.erase(0, 1);
    if (l.bucket.empty()) {
      return MakeError(ErrorKind::kBadInput, "'" + text + "' names no bucket",
                       "write s3://BUCKET or s3://BUCKET/PREFIX");
    }
    return l;
  }
  if (text.find("://") != std::string::npos) {
    return MakeError(ErrorKind::kBadInput, "unsupported backup location '" + text + "'",
                     "use a local directory or s3://bucket/prefix");
  }
  l.path = text;
  while (l.path.size() > 1 && l.path.back() == '/') l.path.pop_back();
  return l;
}

std::string Location::Describe() const {
  if (kind == Kind::kLocal) return path;
  return "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix);
}

Status ValidateBackupName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 200 && name != "." && name != "..";
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) ok = false;
  }
  if (ok) return Status::Ok();
  return MakeError(ErrorKind::kBadInput, "backup name '" + name + "' is not allowed",
                   "use letters, digits, '.', '_' and '-' only");
}

}  // namespace hk::backup
