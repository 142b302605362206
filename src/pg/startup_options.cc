#include "pg/startup_options.h"

namespace hk::pg {

ConnInfo WithStartupOptions(const ConnInfo& ci, const std::string& add) {
  std::string opts = ci.Effective("options");
  if (opts.find(add) != std::string::npos) return ci;
  return ci.With("options", opts.empty() ? add : opts + " " + add);
}

}  // namespace hk::pg
