// The last minute of applying (cdc/apply_window.h), shown by `status`.
#include "cdc/apply_window.h"

#include <gtest/gtest.h>

namespace hk::cdc {
namespace {

TEST(ApplyWindow, EmptyHasNoLag) {
  ApplyWindow w;
  EXPECT_EQ(w.LagPercentileMs(1'000'000, 0.5), -1);
  EXPECT_EQ(w.RowsPerSecond(1'000'000), 0);
}

TEST(ApplyWindow, PercentilesAndRateOverTheLastMinute) {
  ApplyWindow w;
  int64_t t0 = 1'000'000;
  w.Add(t0, 5000, 1, 1000);  // falls out of the window below
  for (int i = 1; i <= 100; ++i) w.Add(t0 + 30'000 + i, i, 2, 10);
  int64_t now = t0 + 61'000;
  EXPECT_EQ(w.LagPercentileMs(now, 0.5), 50);
  EXPECT_EQ(w.LagPercentileMs(now, 0.99), 99);
  EXPECT_DOUBLE_EQ(w.TxnsPerSecond(now), 200.0 / 60.0);
  EXPECT_DOUBLE_EQ(w.RowsPerSecond(now), 1000.0 / 60.0);
}

}  // namespace
}  // namespace hk::cdc
