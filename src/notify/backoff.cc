#include "notify/backoff.h"

#include <algorithm>

namespace hk::notify {

int64_t BackoffMs(int attempt) {
  if (attempt < 1) attempt = 1;
  int shift = std::min(attempt - 1, 10);
  return std::min<int64_t>(int64_t{250} << shift, 4000);
}

}  // namespace hk::notify
