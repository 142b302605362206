#include "check/report.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/exit_codes.h"
#include "common/secrets.h"

namespace hk::check {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "PASS";
    case Verdict::kInfo: return "INFO";
    case Verdict::kWarn: return "WARN";
    case Verdict::kFail: return "FAIL";
  }
  return "FAIL";
}

int Report::Count(Verdict v) const {
  int n = 0;
  for (const auto& i : items) n += i.verdict == v;
  return n;
}

int Report::ExitCode() const {
  if (Count(Verdict::kFail) > 0) return kExitBlocked;
  if (Count(Verdict::kWarn) > 0) return kExitWarnings;
  return kExitOk;
}

nlohmann::json Report::ToJson() const {
  nlohmann::json j;
  j["schema_version"] = 1;
  j["command"] = "check";
  j["source"] = source;
  j["target"] = target;
  j["summary"] = {{"pass", Count(Verdict::kPass)},
                  {"info", Count(Verdict::kInfo)},
                  {"warn", Count(Verdict::kWarn)},
                  {"fail", Count(Verdict::kFail)},
                  {"exit_code", ExitCode()}};
  auto& arr = j["items"] = nlohmann::json::array();
  for (const auto& i : items) {
    arr.push_back({{"id", i.id},
                   {"title", i.title},
                   {"verdict", VerdictName(i.verdict)},
                   {"detail", Scrub(i.detail)},
                   {"fix", Scrub(i.fix)},
                   {"data", i.data}});
  }
  return j;
}

std::string Report::ToText(bool color) const {
  auto paint = [&](Verdict v) -> std::string {
    std::string name = VerdictName(v);
    if (!color) return name;
    const char* code = v == Verdict::kPass ? "32" : v == Verdict::kInfo ? "36" : v == Verdict::kWarn ? "33" : "31;1";
    return fmt::format("\033[{}m{}\033[0m", code, name);
  };
  size_t w = 20;
  for (const auto& i : items) w = std::max(w, i.title.size());
  std::string out;
  if (!source.is_null()) out += fmt::format("source  {}\n", source.value("url", ""));
  if (!target.is_null()) out += fmt::format("target  {}\n", target.value("url", ""));
  out += "\n";
  for (const auto& i : items) {
    out += fmt::format("[{}] {:<{}}  {}\n", paint(i.verdict), i.title, w, i.detail);
    if (!i.fix.empty() && (i.verdict == Verdict::kWarn || i.verdict == Verdict::kFail)) {
      out += fmt::format("       {:<{}}  fix: {}\n", "", w, i.fix);
    }
  }
  out += fmt::format("\n{} passed, {} info, {} warnings, {} blockers\n", Count(Verdict::kPass),
                     Count(Verdict::kInfo), Count(Verdict::kWarn), Count(Verdict::kFail));
  if (Count(Verdict::kFail) > 0)
    out += "Result: BLOCKED — fix the FAIL items before cloning (exit 2).\n";
  else if (Count(Verdict::kWarn) > 0)
    out += "Result: ready, with warnings to read (exit 1).\n";
  else
    out += "Result: ready to migrate (exit 0).\n";
  return Scrub(out);
}

}  // namespace hk::check
