// The one subprocess helper (#16.1): RunProcess and the callers that used to
// fork/exec by hand (cutover hooks, notify commands, clone's tools).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include "common/subprocess.h"
#include "cutover/hooks.h"
#include "notify/deliver.h"

namespace hk {
namespace {

TEST(RunProcess, HookWithADaemonizedGrandchildDoesNotHang) {
  // The grandchild holds the output pipe; we stop reading soon after the hook exits.
  auto d = cutover::RunHookCommand("(sleep 20 &) ; echo done", 10000);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->exit_code, 0);
  EXPECT_LT(d->duration_ms, 6000);
  EXPECT_NE(d->output.find("done"), std::string::npos);
}

TEST(RunProcess, NotifyCommandGetsTheEventAndIsBounded) {
  std::atomic<bool> abort{false};
  std::string f = "/tmp/hk-subprocess-unit-" + std::to_string(getpid()) + ".ev";
  auto s = notify::RunCommand({"/bin/sh", "-c", "cat > " + f + "; echo \"$HIKKOSHI_EVENT\" >> " + f}, "{\"a\":1}", 5000, abort);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  std::ifstream in(f); std::stringstream ss; ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "{\"a\":1}{\"a\":1}\n");
  auto slow = notify::RunCommand({"/bin/sleep", "30"}, "x", 300, abort);
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().message, "the command did not finish in time");
  auto bad = notify::RunCommand({"/bin/false"}, "x", 3000, abort);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "the command exited with 1");
  auto nx = notify::RunCommand({"/no/such"}, "x", 3000, abort);
  ASSERT_FALSE(nx.ok());
  EXPECT_EQ(nx.error().message, "the command could not be started");
  unlink(f.c_str());
  // A big stdin the child never reads: no hang, no SIGPIPE death.
  std::string big(1 << 20, 'x');
  auto nr = RunProcess({"/bin/true"}, {.stdin_data = big, .timeout_ms = 3000});
  ASSERT_TRUE(nr.ok());
  EXPECT_EQ(nr->exit_code, 0);
  EXPECT_FALSE(nr->timed_out);
  auto cat = RunProcess({"/bin/cat"}, {.capture_stdout = true, .stdin_data = big});
  ASSERT_TRUE(cat.ok());
  EXPECT_EQ(cat->out.size(), big.size());
}

TEST(RunProcess, FilesEnvGroupTicksStopCaptureAndExecFailure) {
  const std::string base = "/tmp/hk-subprocess-unit-" + std::to_string(getpid());
  int out = ::open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int err = ::open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int ticks = 0;
  auto r = RunProcess({"/bin/sh", "-c", "echo o; echo e >&2; sleep 0.3; echo $FOO"},
                      {.env = {{"FOO", "bar"}}, .stdout_fd = out, .stderr_fd = err,
                       .own_process_group = true, .die_with_parent = true,
                       .on_tick = [&] { ++ticks; }});
  ::close(out); ::close(err);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_GT(ticks, 3);
  std::ifstream o(base + ".out"), e(base + ".err");
  std::stringstream so, se; so << o.rdbuf(); se << e.rdbuf();
  EXPECT_EQ(so.str(), "o\nbar\n");
  EXPECT_EQ(se.str(), "e\n");
  unlink((base + ".out").c_str());
  unlink((base + ".err").c_str());
  std::atomic<bool> stop{true};
  auto s = RunProcess({"/bin/sleep", "30"}, {.stop = &stop});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->stopped);
  EXPECT_EQ(s->exit_code, 128 + SIGTERM);
  auto c = RunProcess({"/bin/echo", "hi"}, {.capture_stdout = true});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->out, "hi\n");
  auto x = RunProcess({"/no/such"}, {});
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->exit_code, 127);
  EXPECT_NE(x->err.find("exec failed"), std::string::npos);
}

}  // namespace
}  // namespace hk
