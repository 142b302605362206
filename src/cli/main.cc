// hikkoshi: move a live PostgreSQL database to a new server, and prove it.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/app.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/secrets.h"
#include "config/config.h"

int main(int argc, char** argv) {
  using namespace hk;
  CLI::App app{"hikkoshi — move a live PostgreSQL database to a new server, and prove nothing was lost",
               "hikkoshi"};
  app.require_subcommand(1);
  app.set_version_flag("--version", HIKKOSHI_VERSION);
  cli::GlobalOptions g;
  app.add_option("--config", g.config_path, "hikkoshi.toml to read (default: ./hikkoshi.toml if present)");
  app.add_flag("-v,--verbose", g.verbose, "debug logging");
  app.add_flag("-q,--quiet", g.quiet, "warnings and errors only");

  cli::Runner runner;
  for (const auto& spec : cli::Commands()) {
    CLI::App* sub = app.add_subcommand(spec.name, spec.help);
    sub->fallthrough();
    cli::Runner r = spec.setup(sub);
    sub->callback([&runner, r] { runner = r; });
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "hikkoshi: error: %s\nhikkoshi: fix: see hikkoshi --help\n",
                 Scrub(e.what()).c_str());
    return kExitUsage;
  }
  // Everything we need from argv is copied: hide passwords from ps.
  ScrubArgv(argc, argv);

  if (g.verbose) SetLogLevel(LogLevel::kDebug);
  if (g.quiet) SetLogLevel(LogLevel::kWarn);

  auto cfg = Config::Load(g.config_path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "hikkoshi: error: %s\nhikkoshi: fix: %s\n", cfg.error().message.c_str(),
                 cfg.error().hint.c_str());
    return kExitUsage;
  }
  if (!runner) return kExitUsage;
  return runner(g, *cfg);
}
