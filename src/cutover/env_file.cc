#include "cutover/env_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace hk::cutover {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos)
      nl = text.size();
    else
      ++nl;
    out.push_back(text.substr(pos, nl - pos));
    pos = nl;
  }
  return out;
}

/// If `line` assigns `name`, the offset of its value.
std::optional<size_t> ValueOffset(std::string_view line, std::string_view name) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (line.substr(i, 7) == "export ") {
    i += 7;
    while (i < line.size() && line[i] == ' ') ++i;
  }
  if (line.substr(i, name.size()) != name) return std::nullopt;
  i += name.size();
  while (i < line.size() && line[i] == ' ') ++i;
  if (i >= line.size() || line[i] != '=') return std::nullopt;
  ++i;
  while (i < line.size() && line[i] == ' ') ++i;
  return i;
}

std::string Unquote(std::string_view v) {
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.remove_suffix(1);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) {
    char q = v.front();
    size_t end = v.find(q, 1);
    if (end != std::string_view::npos) {
      std::string_view inner = v.substr(1, end - 1);
      if (q == '\'') return std::string(inner);
      std::string out;
      for (size_t i = 0; i < inner.size(); ++i) {
        if (inner[i] == '\\' && i + 1 < inner.size()) {
          char n = inner[++i];
          out += n == 'n' ? '\n' : n;
        } else {
          out += inner[i];
        }
      }
      return out;
    }
  }
  // Unquoted: strip a trailing " # comment" and spaces.
  size_t hash = v.find(" #");
  if (hash != std::string_view::npos) v = v.substr(0, hash);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return std::string(v);
}

std::string Quote(std::string_view v) {
  bool plain = !v.empty();
  for (char c : v)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("@:/._-+=?&%,~", c)))
      plain = false;
  if (plain) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\' || c == '$' || c == '`') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

Error IoError(const std::string& what, const std::string& path) {
  return MakeError(ErrorKind::kInternal, what + " " + path + ": " + std::strerror(errno),
                   "check the path and its permissions");
}

}  // namespace

std::optional<std::string> EnvValue(std::string_view text, std::string_view name) {
  std::optional<std::string> found;
  for (auto line : Lines(text)) {
    if (auto off = ValueOffset(line, name)) found = Unquote(line.substr(*off));  // last one wins
  }
  return found;
}

std::string WithEnvValue(std::string_view text, std::string_view name, std::string_view value) {
  std::string out;
  bool replaced = false;
  std::string assignment = std::string(name) + "=" + Quote(value);
  for (auto line : Lines(text)) {
    if (ValueOffset(line, name)) {
      if (replaced) continue;  // one assignment only
      size_t i = 0;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      bool exp = line.substr(i, 7) == "export ";
      out += std::string(line.substr(0, i)) + (exp ? "export " : "") + assignment + "\n";
      replaced = true;
    } else {
      out += line;
    }
  }
  if (!replaced) {
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += assignment + "\n";
  }
  return out;
}

Result<std::string> ReadWholeFile(const std::string& path, bool missing_ok) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    if (errno == ENOENT && missing_ok) return std::string();
    return IoError("cannot read", path);
  }
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (n < 0) return IoError("cannot read", path);
  return out;
}

Status WriteFileAtomic(const std::string& path, const std::string& text) {
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  mode_t mode = exists ? (st.st_mode & 07777) : 0600;
  std::string tmp = path + ".hikkoshi-tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return IoError("cannot create", tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ok && ::fchmod(fd, mode) == 0;
  if (ok && exists && (st.st_uid != ::geteuid() || st.st_gid != ::getegid()))
    ok = ::fchown(fd, st.st_uid, st.st_gid) == 0;
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = IoError("cannot replace", path);
    ::unlink(tmp.c_str());
    return e;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Status SetEnvVar(const std::string& path, const std::string& name, const std::string& value,
                 const std::string& backup_path) {
  HK_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, /*missing_ok=*/true));
  if (!backup_path.empty() && !std::filesystem::exists(backup_path)) {
    HK_RETURN_IF_ERROR(WriteFileAtomic(backup_path, text));
  }
  if (EnvValue(text, name) == value) return Status::Ok();  // already there (rerun)
  return WriteFileAtomic(path, WithEnvValue(text, name, value));
}

}  // namespace hk::cutover
