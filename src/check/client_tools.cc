#include "check/client_tools.h"

#include <fmt/format.h>

namespace hk::check {

ClientToolFacts GatherClientTools() {
  ClientToolFacts f;
  f.bin_dir = pg::ClientBinDir();
  auto d = pg::FindPgTool("pg_dump");
  if (d.ok())
    f.pg_dump = *d;
  else
    f.dump_error = d.error().message;
  auto r = pg::FindPgTool("pg_restore");
  if (r.ok())
    f.pg_restore = *r;
  else
    f.restore_error = r.error().message;
  return f;
}

void EvaluateClientTools(const ServerFacts& s, const ServerFacts& t, const ClientToolFacts& tools,
                         Report& r) {
  Item i;
  i.id = "client.pg_dump";
  i.title = "local pg_dump / pg_restore";
  const int need = s.version_num / 10000;
  const std::string where =
      tools.bin_dir.empty() ? "" : fmt::format(" (from --pg-bin-dir {})", tools.bin_dir);
  i.data["needed_major"] = need;
  i.data["bin_dir"] = tools.bin_dir;
  if (!tools.pg_dump || !tools.pg_restore) {
    i.verdict = Verdict::kFail;
    i.detail = !tools.pg_dump ? tools.dump_error : tools.restore_error;
    i.fix = fmt::format(
        "install the PostgreSQL {} client tools (Debian: postgresql-client-{}) or point "
        "--pg-bin-dir (or HIKKOSHI_PG_BIN) at the bin directory of a client {} or newer",
        need, need, need);
    r.Add(std::move(i));
    return;
  }
  i.data["pg_dump"] = tools.pg_dump->path;
  i.data["pg_dump_major"] = tools.pg_dump->major;
  i.data["pg_restore_major"] = tools.pg_restore->major;
  if (tools.pg_dump->major < need) {
    i.verdict = Verdict::kFail;
    i.detail = fmt::format(
        "{} is version {}{} but the source runs PostgreSQL {}: an older pg_dump cannot dump a "
        "newer server",
        tools.pg_dump->path, tools.pg_dump->major, where, need);
    i.fix = fmt::format(
        "install postgresql-client-{} (or newer) and point --pg-bin-dir (or HIKKOSHI_PG_BIN) at "
        "its bin directory (Debian: /usr/lib/postgresql/{}/bin)",
        need, need);
  } else if (tools.pg_restore->major != tools.pg_dump->major) {
    i.verdict = Verdict::kFail;
    i.detail = fmt::format("pg_dump is version {} but pg_restore is version {}{}",
                           tools.pg_dump->major, tools.pg_restore->major, where);
    i.fix = "take both from one installation (--pg-bin-dir)";
  } else {
    i.verdict = Verdict::kPass;
    i.detail = fmt::format("pg_dump {}{} can dump PostgreSQL {} (target PostgreSQL {})",
                           tools.pg_dump->major, where, need, t.version_num / 10000);
  }
  r.Add(std::move(i));
}

}  // namespace hk::check
