#include "check/provider.h"

#include <algorithm>

namespace hk::check {
namespace {
bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

Provider DetectProvider(const std::string& host_in, const std::string& port) {
  std::string host = host_in;
  std::transform(host.begin(), host.end(), host.begin(), ::tolower);
  // Multi-host strings: judge by the first host.
  if (auto comma = host.find(','); comma != std::string::npos) host = host.substr(0, comma);
  if (EndsWith(host, ".neon.tech") || EndsWith(host, ".neon.build")) {
    std::string first_label = host.substr(0, host.find('.'));
    if (first_label.find("-pooler") != std::string::npos) return Provider::kNeonPooler;
    return Provider::kNeon;
  }
  if (EndsWith(host, ".rds.amazonaws.com") || EndsWith(host, ".rds.amazonaws.com.cn")) {
    if (host.find(".cluster-") != std::string::npos) return Provider::kAurora;
    return Provider::kRds;
  }
  if (EndsWith(host, ".pooler.supabase.com")) return Provider::kSupabasePooler;
  if (EndsWith(host, ".supabase.co")) return port == "6543" ? Provider::kSupabasePooler : Provider::kSupabase;
  return Provider::kUnknown;
}

const char* ProviderName(Provider p) {
  switch (p) {
    case Provider::kUnknown: return "self-managed";
    case Provider::kNeon: return "Neon";
    case Provider::kNeonPooler: return "Neon (pooled endpoint)";
    case Provider::kRds: return "AWS RDS";
    case Provider::kAurora: return "AWS Aurora";
    case Provider::kSupabase: return "Supabase";
    case Provider::kSupabasePooler: return "Supabase (pooler)";
  }
  return "self-managed";
}

int64_t InactiveSlotRemovalMs(Provider p) {
  if (p == Provider::kNeon || p == Provider::kNeonPooler) return int64_t{40} * 3600 * 1000;
  return 0;
}

}  // namespace hk::check
