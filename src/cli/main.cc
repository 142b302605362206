// hikkoshi: move a live PostgreSQL database to a new server, and prove it.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/app.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "common/log_format.h"
#include "common/secrets.h"
#include "config/config.h"
#include "cutover/config.h"
#include "notify/notifier.h"

int main(int argc, char** argv) {
  using namespace hk;
  // First thing: the parser gets a copy, and the passwords in argv itself
  // (what ps and /proc/PID/cmdline show) are masked before anything else runs.
  std::vector<std::string> args(argv, argv + argc);
  for (const auto& a : args) RegisterSecretsIn(a);
  ScrubArgv(argc, argv);
  std::vector<char*> arg_ptrs;
  for (auto& a : args) arg_ptrs.push_back(a.data());
  arg_ptrs.push_back(nullptr);
  // Test hook: stop here so a test can read /proc/PID/cmdline at the earliest
  // point the argument parser could be running.
  if (const char* stop = std::getenv("HIKKOSHI_TEST_STOP_AFTER_ARGV"); stop && *stop == '1')
    std::raise(SIGSTOP);

  CLI::App app{
      "hikkoshi — move a live PostgreSQL database to a new server, and prove nothing was lost",
      "hikkoshi"};
  app.require_subcommand(1);
  app.set_version_flag("--version", HIKKOSHI_VERSION);
  cli::GlobalOptions g;
  app.add_option("--config", g.config_path,
                 "hikkoshi.toml to read (default: ./hikkoshi.toml if present)");
  app.add_flag("-v,--verbose", g.verbose, "debug logging");
  app.add_flag("-q,--quiet", g.quiet, "warnings and errors only");
  std::string log_format;
  app.add_option("--log-format", log_format,
                 "text (default) or json: one JSON object per log line, no live terminal view "
                 "(default HIKKOSHI_LOG_FORMAT)")
      ->check(CLI::IsMember({"text", "json"}));
  std::string pg_bin_dir;
  app.add_option(
      "--pg-bin-dir", pg_bin_dir,
      "directory of the pg_dump/pg_restore to run (default: HIKKOSHI_PG_BIN, else $PATH)");

  cli::Runner runner;
  for (const auto& spec : cli::Commands()) {
    CLI::App* sub = app.add_subcommand(spec.name, spec.help);
    sub->fallthrough();
    cli::Runner r = spec.setup(sub);
    sub->callback([&runner, r] { runner = r; });
  }

  try {
    app.parse(argc, arg_ptrs.data());
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
  // One place for every command (and its children, e.g. a detached follow).
  if (!pg_bin_dir.empty()) ::setenv("HIKKOSHI_PG_BIN", pg_bin_dir.c_str(), 1);
  if (g.verbose) SetLogLevel(LogLevel::kDebug);
  if (g.quiet) SetLogLevel(LogLevel::kWarn);
  // The environment carries it to the commands migrate runs and to a
  // detached follow.
  if (log_format.empty())
    if (const char* f = std::getenv("HIKKOSHI_LOG_FORMAT")) log_format = f;
  if (log_format == "json") {
    SetLogFormat(LogFormat::kJson);
    ::setenv("HIKKOSHI_LOG_FORMAT", "json", 1);
  }

  // `config check` reports every problem of the file itself, with its line.
  if (app.got_subcommand("config") && runner) return runner(g, Config{});
  auto cfg = Config::Load(g.config_path);
  Status cfg_ok = cfg.ok() ? Status::Ok() : cfg.status();
  // [cutover] is checked by its own reader; a bad key there fails every command alike.
  if (cfg_ok.ok() && !cfg->path().empty()) {
    if (auto cc = cutover::LoadCutoverConfig(cfg->path()); !cc.ok()) cfg_ok = cc.status();
  }
  if (!cfg_ok.ok()) {
    std::fprintf(stderr, "hikkoshi: error: %s\nhikkoshi: fix: %s\n",
                 Scrub(cfg_ok.error().message).c_str(), Scrub(cfg_ok.error().hint).c_str());
    return kExitUsage;
  }
  if (!runner) return kExitUsage;
  if (Status n = notify::Install(*cfg); !n.ok()) {
    std::fprintf(stderr, "hikkoshi: error: %s\nhikkoshi: fix: %s\n",
                 Scrub(n.error().message).c_str(), Scrub(n.error().hint).c_str());
    return kExitUsage;
  }
  int rc = runner(g, *cfg);
  notify::Shutdown();  // at most 5 s for notifications still queued
  return rc;
}
