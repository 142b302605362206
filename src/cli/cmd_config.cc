#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/exit_codes.h"
#include "common/secrets.h"
#include "config/config_check.h"

namespace hk::cli {

CommandSpec ConfigCommand() {
  return {"config", "Check hikkoshi.toml without touching any database (`config check`)",
          [](CLI::App* sub) -> Runner {
            struct Opts {
              bool json = false;
            };
            auto o = std::make_shared<Opts>();
            sub->require_subcommand(1);
            CLI::App* check = sub->add_subcommand(
                "check", "Name every unknown key, wrong type and malformed value, with its line");
            check->fallthrough();
            check->add_flag("--json", o->json, "print the issues as JSON on stdout");
            return [o](const GlobalOptions& g, const Config&) -> int {
              std::string path = g.config_path;
              if (path.empty() && std::filesystem::exists("hikkoshi.toml")) path = "hikkoshi.toml";
              if (path.empty() || !std::filesystem::exists(path)) {
                return ReportError(
                    MakeError(ErrorKind::kBadInput,
                              "config file " + (path.empty() ? "hikkoshi.toml" : path) +
                                  " does not exist",
                              "pass an existing file to --config"),
                    o->json);
              }
              auto issues = CheckConfigFile(path);
              if (o->json) {
                nlohmann::json j = {{"file", path}, {"valid", issues.empty()}};
                j["issues"] = nlohmann::json::array();
                for (const auto& i : issues)
                  j["issues"].push_back(
                      {{"line", i.line}, {"key", i.key}, {"message", Scrub(i.message)}});
                std::printf("%s\n", j.dump(2).c_str());
              } else {
                for (const auto& i : issues)
                  std::printf("%s:%d: %s%s%s\n", path.c_str(), i.line, i.key.c_str(),
                              i.key.empty() ? "" : " ", Scrub(i.message).c_str());
                if (issues.empty())
                  std::printf("%s: valid\n", path.c_str());
                else
                  std::printf("%zu issue(s)\n", issues.size());
              }
              return issues.empty() ? kExitOk : kExitUsage;
            };
          }};
}

}  // namespace hk::cli
