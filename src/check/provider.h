// Recognises hosted providers from host names and says what they need.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hk::check {

enum class Provider { kUnknown, kNeon, kNeonPooler, kRds, kAurora, kSupabase, kSupabasePooler };

Provider DetectProvider(const std::string& host, const std::string& port);
const char* ProviderName(Provider p);

/// How long the provider keeps a replication slot nobody is connected to
/// before removing it (Neon: about 40 hours); 0 when it does not.
int64_t InactiveSlotRemovalMs(Provider p);

}  // namespace hk::check
