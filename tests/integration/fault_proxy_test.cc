// The fault proxy itself, against a real server: what each fault looks like
// to a libpq client. The fault scenarios of clone, follow, verify and backup
// build on it.
#include "support/fault_proxy.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/harness.h"

namespace hk::test {
namespace {

using namespace std::chrono_literals;

pg::Connection Open(const std::string& uri) {
  auto ci = pg::ConnInfo::Parse(uri);
  EXPECT_TRUE(ci.ok());
  auto c = pg::Connection::Open(*ci);
  if (!c.ok()) throw std::runtime_error(c.error().message);
  return std::move(c).value();
}

TEST(FaultProxy, ForwardsCutsStallsAndRefuses) {
  Cluster pg("proxy");
  FaultProxy proxy(pg.port());
  const std::string uri = proxy.Through(pg.Uri());

  auto c = Open(uri);
  auto v = c.QueryValue("SELECT sum(g)::text FROM generate_series(1, 1000) g");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "500500");
  EXPECT_EQ(proxy.open_connections(), 1);

  // Cut: the next statement fails as a lost connection.
  proxy.CutAll();
  std::this_thread::sleep_for(50ms);
  auto after_cut = c.QueryValue("SELECT 1");
  EXPECT_FALSE(after_cut.ok());
  EXPECT_FALSE(c.Healthy());

  // Cut after N bytes: a result bigger than N never arrives whole.
  auto c2 = Open(uri);
  proxy.CutAfterBytes(20000);
  auto big = c2.QueryValue("SELECT string_agg(md5(g::text), '') FROM generate_series(1, 5000) g");
  EXPECT_FALSE(big.ok());

  // Stall: the query waits for the stall to end, then succeeds.
  auto c3 = Open(uri);
  proxy.Stall(700ms);
  auto t0 = std::chrono::steady_clock::now();
  auto slow = c3.QueryValue("SELECT 42");
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ(*slow, "42");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 600ms);

  // Latency is added to every round trip.
  proxy.SetLatency(100ms);
  t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c3.QueryValue("SELECT 1").ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 180ms);  // one way each
  proxy.SetLatency(0ms);

  // Refuse: new connections fail at once while existing ones still work.
  proxy.RefuseFor(1s);
  EXPECT_THROW(Open(uri), std::runtime_error);
  EXPECT_TRUE(c3.QueryValue("SELECT 1").ok());
  std::this_thread::sleep_for(1100ms);
  try {
    Open(uri);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what() << " accepted " << proxy.connections_accepted() << " open "
                  << proxy.open_connections();
  }
}

TEST(FaultProxy, BandwidthLimitSlowsALargeResult) {
  Cluster pg("proxy-bw");
  FaultProxy proxy(pg.port());
  auto c = Open(proxy.Through(pg.Uri()));
  proxy.SetBandwidth(100000);  // 100 kB/s
  auto t0 = std::chrono::steady_clock::now();
  auto v = c.QueryValue("SELECT length(string_agg(md5(g::text), '')) FROM generate_series(1, 1) g");
  ASSERT_TRUE(v.ok());
  auto big = c.QueryValue(
      "SELECT string_agg(md5(g::text), '') FROM generate_series(1, 6000) g");  // ~192 kB
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->size(), 192000u);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 1s);
}

}  // namespace
}  // namespace hk::test
