// The preflight rules: facts in, verdicts out. Pure functions, no I/O.
#pragma once

#include "check/facts.h"
#include "check/report.h"
#include "common/human.h"

namespace hk::check {

struct RuleOptions {
  bool drop_if_exists = false;  ///< The user will let clone drop what is on the target.
  std::string source_host, source_port, target_host, target_port;
  std::string source_sslmode, target_sslmode;  ///< As given (or PGSSLMODE); "" = libpq's prefer.
  double assumed_mb_per_s = 100.0;             ///< For the copy-time estimate only.
};

void EvaluateSource(const ServerFacts& s, const RuleOptions& o, Report& r);
void EvaluateTarget(const ServerFacts& t, const RuleOptions& o, Report& r);
void EvaluatePair(const ServerFacts& s, const ServerFacts& t, const RuleOptions& o, Report& r);
void EvaluateProviders(const ServerFacts* s, const ServerFacts* t, const RuleOptions& o, Report& r);

/// A Neon pooled host with "-pooler" taken out of its first label.
std::string NeonDirectHost(const std::string& host);

/// "a, b, c and 4 more".
std::string NameList(const std::vector<std::string>& names, size_t max_shown = 8);
using ::hk::HumanBytes;  // "1.4 GB", "512 kB" (common/human.h)
/// "about 3 min", "under a minute".
std::string HumanDuration(double seconds);

}  // namespace hk::check
