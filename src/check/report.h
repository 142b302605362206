// The preflight report: one verdict per item, rendered as text or JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hk::check {

enum class Verdict { kPass, kInfo, kWarn, kFail };
const char* VerdictName(Verdict v);

struct Item {
  std::string id;      ///< Stable identifier, e.g. "source.wal_level".
  std::string title;   ///< Short human name.
  Verdict verdict = Verdict::kPass;
  std::string detail;  ///< What we found.
  std::string fix;     ///< What to do (for WARN and FAIL).
  nlohmann::json data = nlohmann::json::object();  ///< Machine-readable specifics.
};

struct Report {
  std::vector<Item> items;
  nlohmann::json source = nullptr, target = nullptr;

  Item& Add(Item item) { return items.emplace_back(std::move(item)); }
  /// 0 all pass, 1 warnings only, 2 a blocker found.
  int ExitCode() const;
  int Count(Verdict v) const;
  nlohmann::json ToJson() const;
  std::string ToText(bool color) const;
};

}  // namespace hk::check
