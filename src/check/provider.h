// Recognises hosted providers from host names and says what they need.
#pragma once

#include <string>
#include <vector>

namespace hk::check {

enum class Provider { kUnknown, kNeon, kNeonPooler, kRds, kAurora, kSupabase, kSupabasePooler };

Provider DetectProvider(const std::string& host, const std::string& port);
const char* ProviderName(Provider p);

}  // namespace hk::check
