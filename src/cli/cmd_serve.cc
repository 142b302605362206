// `hikkoshi serve`: the live status page and its JSON (src/status/server.cc).
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/follow_common.h"
#include "cli/status_common.h"
#include "common/exit_codes.h"
#include "common/secrets.h"
#include "status/server.h"

namespace hk::cli {

CommandSpec ServeCommand() {
  return {"serve",
          "Serve a live status page and its JSON over HTTP (127.0.0.1 unless given a token)",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              std::string dir, listen = "127.0.0.1:8080", token, token_file, source, target;
            };
            auto o = std::make_shared<Opts>();
            auto* d = sub->add_option("--dir", o->dir, "work directory (default .hikkoshi)");
            sub->add_option("--listen", o->listen,
                            "ADDRESS:PORT to listen on (default 127.0.0.1:8080; port 0 picks one)");
            sub->add_option("--token-file", o->token_file,
                            "file holding the token every request must carry (required beyond "
                            "127.0.0.1)");
            sub->add_option("--token", o->token,
                            "the token itself (prefer --token-file: argv is visible)");
            auto* s = sub->add_option(
                "--source", o->source,
                "source database, for live slot lag (default HIKKOSHI_SOURCE / config)");
            auto* t = sub->add_option(
                "--target", o->target,
                "target database, for live COPY progress (default HIKKOSHI_TARGET / config)");
            return [o, d, s, t](const GlobalOptions&, const Config& cfg) -> int {
              status::ServeOptions so;
              so.collect.workdir = ResolveWorkdir(o->dir, d->count() > 0, cfg);
              so.collect.source =
                  OptionalConn(o->source, s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg);
              so.collect.target =
                  OptionalConn(o->target, t->count() > 0, "HIKKOSHI_TARGET", "target", cfg);
              auto hp = status::ParseListen(o->listen);
              if (!hp.ok()) return ReportError(hp.error(), false);
              so.host = hp->first;
              so.port = hp->second;
              so.token = o->token;
              if (!o->token_file.empty()) {
                std::ifstream f(o->token_file);
                if (!f)
                  return ReportError(
                      MakeError(ErrorKind::kBadInput, "cannot read the token file " + o->token_file,
                                "write the token into it (one line)"),
                      false);
                std::getline(f, so.token);
                while (!so.token.empty() && (so.token.back() == '\r' || so.token.back() == ' '))
                  so.token.pop_back();
                if (so.token.empty())
                  return ReportError(MakeError(ErrorKind::kBadInput,
                                               "the token file " + o->token_file + " is empty",
                                               "write the token into it (one line)"),
                                     false);
              }
              if (!so.token.empty()) RegisterSecret(so.token);
              const std::atomic<bool>* stop = InstallStopSignals();
              Status st = status::Serve(so, stop);
              if (!st.ok()) return ReportError(st.error(), false);
              return kExitOk;
            };
          }};
}

}  // namespace hk::cli
