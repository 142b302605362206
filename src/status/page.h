// serve's page: one self-contained HTML document (inline CSS and a few
// lines of inline script, no CDN, no external font) whose live part is a
// server-rendered fragment the script re-fetches once a second.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "status/model.h"
#include "status/sampler.h"

namespace hk::status {

/// The live part: stage, per-table copy bars with ETA, follow lag (bytes and
/// seconds), apply rate and retained WAL with charts over the last hour,
/// verify, the cutover timeline with the write-unavailability window.
std::string LiveFragment(const std::optional<Migration>& m, const nlohmann::json& status,
                         const std::vector<Sample>& samples);

/// The whole page around a fragment.
std::string LivePage(const std::string& fragment);

}  // namespace hk::status
