#include <cstdio>

#include "cdc/cleanup.h"
#include "cli/commands.h"
#include "cli/follow_common.h"
#include "common/exit_codes.h"

namespace hk::cli {

CommandSpec CleanupCommand() {
  return {"cleanup", "Drop follow's replication slot, publication and origin (idempotent)",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              std::string source, target, dir;
              std::vector<std::string> slots, origins;
            };
            auto o = std::make_shared<Opts>();
            auto* s = sub->add_option("--source", o->source, "source database (URI or keyword string)");
            auto* t = sub->add_option("--target", o->target, "target database (URI or keyword string)");
            auto* d = sub->add_option("--dir", o->dir, "work directory (default .hikkoshi)");
            sub->add_option(
                "--slot", o->slots,
                "also drop this replication slot on the source (when follow.json is lost)");
            sub->add_option(
                "--origin", o->origins,
                "also drop this replication origin on the target (when follow.json is lost)");
            return [o, s, t, d](const GlobalOptions&, const Config& cfg) -> int {
              auto src = ResolveConn(o->source, s->count() > 0, "HIKKOSHI_SOURCE", "source", cfg, "source");
              if (!src.ok()) return ReportError(src.error(), false);
              auto tgt = ResolveConn(o->target, t->count() > 0, "HIKKOSHI_TARGET", "target", cfg, "target");
              if (!tgt.ok()) return ReportError(tgt.error(), false);
              auto r = cdc::CleanupFollow(*src, *tgt, ResolveWorkdir(o->dir, d->count() > 0, cfg),
                                          o->slots, o->origins);
              if (!r.ok()) return ReportError(r.error(), false);
              if (r->dropped.empty()) std::printf("nothing to clean up\n");
              for (const auto& x : r->dropped) std::printf("dropped %s\n", x.c_str());
              return kExitOk;
            };
          }};
}

}  // namespace hk::cli
