// One problem found in hikkoshi.toml, with the line it is on.
#pragma once

#include <string>

namespace hk {

struct ConfigIssue {
  int line = 0;         ///< 1-based; 0 when the file as a whole is meant.
  std::string key;      ///< Dotted key ("notify.url", "clone.jobs") or section.
  std::string message;  ///< "is not a known key (did you mean clone.jobs?)".
};

}  // namespace hk
