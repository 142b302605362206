// `hikkoshi report`: the migration report (HTML, Markdown or JSON) from the
// work directory. The work lives in src/status/report*.cc.
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "cli/follow_common.h"
#include "common/exit_codes.h"
#include "status/model.h"
#include "status/report.h"

namespace hk::cli {

CommandSpec ReportCommand() {
  return {"report",
          "Write the migration report: timeline, success metrics, verify, lag (html, md or json)",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              std::string dir, out, format;
            };
            auto o = std::make_shared<Opts>();
            auto* d = sub->add_option("--dir", o->dir, "work directory (default .hikkoshi)");
            sub->add_option("--out", o->out,
                            "file to write; - for stdout (default WORKDIR/report.html)");
            sub->add_option("--format", o->format,
                            "html, md or json (default: from --out's extension)")
                ->check(CLI::IsMember({"html", "md", "json"}));
            return [o, d](const GlobalOptions&, const Config& cfg) -> int {
              status::CollectOptions co;
              co.workdir = ResolveWorkdir(o->dir, d->count() > 0, cfg);
              std::string out = o->out.empty() ? co.workdir + "/report.html" : o->out;
              std::string format = status::ReportFormat(o->format, out);
              if (format.empty()) {
                if (out != "-")
                  return ReportError(
                      MakeError(ErrorKind::kBadInput, "cannot tell the report's format from " + out,
                                "name the file .html, .md or .json, or pass --format"),
                      false);
                format = "md";
              }
              auto m = status::Collect(co);
              if (!m.ok()) return ReportError(m.error(), false);
              if (m->Empty())
                return ReportError(
                    MakeError(ErrorKind::kBadInput, "nothing is recorded in " + co.workdir,
                              "pass the work directory of the migration with --dir"),
                    false);
              nlohmann::json r = status::BuildReport(*m);
              std::string text = format == "html" ? status::RenderHtml(r)
                                 : format == "md" ? status::RenderMarkdown(r)
                                                  : r.dump(2) + "\n";
              if (out == "-") {
                std::fputs(text.c_str(), stdout);
                return kExitOk;
              }
              std::string tmp = out + ".tmp";
              {
                std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
                f << text;
                if (!f.flush())
                  return ReportError(MakeError(ErrorKind::kInternal, "cannot write " + tmp,
                                               "check that the directory exists and is writable"),
                                     false);
              }
              if (std::rename(tmp.c_str(), out.c_str()) != 0)
                return ReportError(MakeError(ErrorKind::kInternal, "cannot write " + out), false);
              std::printf("report: %s\n", out.c_str());
              return kExitOk;
            };
          }};
}

}  // namespace hk::cli
