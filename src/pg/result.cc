#include "pg/result.h"

#include <charconv>
#include <cstdlib>

namespace hk::pg {

int64_t QueryResult::Int(int row, int col, int64_t if_null) const {
  if (IsNull(row, col)) return if_null;
  std::string_view v = Get(row, col);
  int64_t out = if_null;
  std::from_chars(v.data(), v.data() + v.size(), out);
  return out;
}

double QueryResult::Double(int row, int col) const {
  if (IsNull(row, col)) return 0;
  return std::strtod(PQgetvalue(res_.get(), row, col), nullptr);
}

}  // namespace hk::pg
