// Randomized differential testing of clone, clone --follow, follow and
// verify: a seeded generator (tests/support/random_db) makes schemas and
// write histories that real databases have; each case is copied by
// hikkoshi, then both sides are compared by an independent SQL digest
// (count and order-independent md5 sum of every row's text, per table) that
// shares no code with verify; verify must agree; then one row is mutated on
// the target and verify must find it and name its key.
//
// Cases: HIKKOSHI_RANDOM_CASES (default 4: two plain clones, two clone
// --follow with a SIGKILL of follow), seeds from HIKKOSHI_RANDOM_SEED
// (default 1) upward, or until HIKKOSHI_SOAK_MINUTES have passed. Every
// failure prints its seed: rerun it alone with HIKKOSHI_RANDOM_SEED=<seed>
// HIKKOSHI_RANDOM_CASES=1. `make soak` runs many cases with a random base.
//
// Budget in `make test`: about 1.5 minutes on 2 idle cores.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include "common/exit_codes.h"
#include "support/harness.h"
#include "support/random_db.h"

namespace hk::test {
namespace {

using namespace std::chrono_literals;

int64_t EnvInt(const char* name, int64_t def) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoll(v, nullptr, 10) : def;
}

/// Runs the generator's history on the source until stopped.
class Writer {
 public:
  Writer(Cluster& c, const std::string& db, RandomDbGenerator& gen, std::set<std::string>* cov)
      : c_(c), db_(db), gen_(gen), cov_(cov) {
    th_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    stop_ = true;
    if (th_.joinable()) th_.join();
  }
  ~Writer() { Stop(); }
  int committed() const { return committed_; }
  /// From now on the history may TRUNCATE (the copy is done).
  void AllowTruncate() { allow_truncate_ = true; }

 private:
  void Loop() {
    auto conn = c_.Connect(db_);
    while (!stop_) {
      std::string body = gen_.Transaction(cov_, allow_truncate_);
      auto st = conn.Run("BEGIN;\n" + body + "COMMIT;");
      if (st.ok()) {
        ++committed_;
      } else {
        (void)conn.Run("ROLLBACK");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(gen_.Pick(15)));
    }
  }
  Cluster& c_;
  std::string db_;
  RandomDbGenerator& gen_;
  std::set<std::string>* cov_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> allow_truncate_{false};
  std::atomic<int> committed_{0};
  std::thread th_;
};

std::string Diff(const std::map<std::string, std::string>& a,
                 const std::map<std::string, std::string>& b) {
  std::string out;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end())
      out += "  missing on target: " + k + "\n";
    else if (it->second != v)
      out += "  differs: " + k + " source " + v + " target " + it->second + "\n";
  }
  for (const auto& [k, v] : b)
    if (!a.count(k)) out += "  extra on target: " + k + "\n";
  return out;
}

/// A TRUNCATE of the history landed between the snapshot and the copy of
/// that table: clone --follow refuses the table (its rows at the snapshot are
/// gone) and --resume starts over, as its message says.
bool Rewritten(const ProcessResult& r) {
  return r.exit_code != 0 && r.err.find("was rewritten, truncated") != std::string::npos;
}

struct Outcome {
  bool ok = true;
  std::string why;
};

class RandomDiff : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    src_ = new Cluster("rd-src");
    tgt_ = new Cluster("rd-tgt");
  }
  static void TearDownTestSuite() {
    delete src_;
    delete tgt_;
  }

  Outcome RunCase(uint64_t seed, std::set<std::string>* coverage) {
    RandomDbGenerator gen(seed);
    GenCase gc = gen.MakeCase();
    coverage->insert(gc.coverage.begin(), gc.coverage.end());
    if (const char* dump =
            std::getenv("HIKKOSHI_RANDOM_DUMP")) {  // the case's SQL, for a person to read
      std::ofstream(std::string(dump) + "/case-" + std::to_string(seed) + ".sql") << gc.schema_sql;
    }
    const std::string db = "rd" + std::to_string(seed);
    const std::string dir = "/tmp/hk-rd-" + std::to_string(getpid()) + "-" + std::to_string(seed);
    RunShell("rm -rf " + dir);
    src_->Sql("DROP DATABASE IF EXISTS " + db);
    tgt_->Sql("DROP DATABASE IF EXISTS " + db);
    src_->CreateDatabase(db);
    tgt_->CreateDatabase(db);
    {
      auto c = src_->Connect(db);
      auto st = c.Run(gc.schema_sql);
      if (!st.ok())
        return {false, "the generated schema failed (a generator bug): " + st.error().message};
    }
    const bool follow = seed % 2 == 0;
    coverage->insert(follow ? "mode: clone --follow + history + SIGKILL of follow" : "mode: clone");
    const std::vector<std::string> conn = {"--source",    src_->Uri(db), "--target",
                                           tgt_->Uri(db), "--dir",       dir};
    auto with = [&](std::vector<std::string> args) {
      args.insert(args.end(), conn.begin(), conn.end());
      return args;
    };
    Outcome out;
    auto fail = [&](const std::string& why) {
      if (out.ok) out = {false, why};
    };
    if (!follow) {
      std::mt19937 timing(static_cast<uint32_t>(seed));
      const int variant = static_cast<int>((seed / 2) % 3);
      if (variant == 1) {
        // kill -9 at a random moment, then the documented way on: --resume.
        coverage->insert("mode: clone killed (SIGKILL) at a random moment, then clone --resume");
        BackgroundHikkoshi b(with({"clone", "--jobs", "2"}), dir + ".log");
        b.Start();
        std::this_thread::sleep_for(std::chrono::milliseconds(50 + timing() % 1500));
        b.Kill();
        auto r = RunHikkoshi(with({"clone", "--jobs", "2", "--resume"}));
        // The kill may land after the clone recorded itself finished.
        bool finished_first =
            r.exit_code == kExitBlocked && r.err.find("already finished") != std::string::npos;
        if (r.exit_code == kExitBlocked && r.err.find("no clone to resume") != std::string::npos) {
          // Killed before it recorded anything: the target must still be
          // untouched, so a fresh clone is the way on.
          coverage->insert("clone killed before its state existed");
          r = RunHikkoshi(with({"clone", "--jobs", "2"}));
        }
        if (r.exit_code != 0 && !finished_first)
          return {false, "clone --resume after SIGKILL exited " + std::to_string(r.exit_code) +
                             ": " + r.err};
      } else if (variant == 2) {
        // A table-rewriting ALTER on the source while the clone runs: the
        // copy is of the snapshot (the ALTER waits) or an error naming the
        // table, never an empty or partial table.
        coverage->insert("mode: clone with a concurrent table-rewriting ALTER");
        const GenTable* victim = nullptr;
        for (const auto& t : gc.tables)
          if (!t.partitioned && !t.no_truncate) victim = &t;
        BackgroundHikkoshi b(with({"clone", "--jobs", "2"}), dir + ".log");
        b.Start();
        std::this_thread::sleep_for(std::chrono::milliseconds(timing() % 1200));
        if (victim) {
          auto c = src_->Connect(db);
          (void)c.Run("SET lock_timeout = '20s'; BEGIN; ALTER TABLE " + victim->name +
                      " ADD COLUMN zz_rewrite float8 DEFAULT random(); ALTER TABLE " +
                      victim->name + " DROP COLUMN zz_rewrite; COMMIT;");
        }
        int rc = b.Wait();
        if (rc != 0) {
          std::string log = RunShell("grep -i error " + ShellQuote(dir + ".log")).out;
          std::string bare = victim ? victim->name.substr(victim->name.find('.') + 1) : "";
          if (bare.size() > 1 && bare.front() == '"') bare = bare.substr(1, bare.size() - 2);
          if (!victim || log.find(bare) == std::string::npos)
            return {false, "clone during a concurrent ALTER exited " + std::to_string(rc) +
                               " without naming the table: " + log};
          coverage->insert("clone refused a table rewritten underneath (named), then --resume");
          // As the message says: --resume copies it at a new snapshot.
          auto r = RunHikkoshi(with({"clone", "--jobs", "2", "--resume"}));
          if (r.exit_code != 0)
            return {false, "clone --resume after a refused rewritten table exited " +
                               std::to_string(r.exit_code) + ": " + r.err};
        }
      } else {
        auto r = RunHikkoshi(with({"clone", "--jobs", "2"}));
        if (r.exit_code != 0)
          return {false, "clone exited " + std::to_string(r.exit_code) + ": " + r.err};
      }
      RunShell("rm -f " + ShellQuote(dir + ".log"));
    } else {
      std::set<std::string> hist;
      {
        Writer w(*src_, db, gen, &hist);
        std::mt19937 timing(static_cast<uint32_t>(seed));  // gen belongs to the writer now
        const std::vector<std::string> cf = {
            "clone", "--follow", "--until-caught-up", "--replica-identity-full", "--jobs", "2"};
        if ((seed / 2) % 2 == 1) {
          // clone --follow killed at a random moment (often mid-copy), then
          // the documented way on: clone --follow --resume.
          coverage->insert("mode: clone --follow killed (SIGKILL), then clone --follow --resume");
          BackgroundHikkoshi b(with(cf), dir + ".log");
          b.Start();
          std::this_thread::sleep_for(std::chrono::milliseconds(100 + timing() % 1500));
          b.Kill();
          auto resume = cf;
          resume.push_back("--resume");
          auto r = RunHikkoshi(with(resume));
          if (r.exit_code == kExitBlocked && r.err.find("to resume") != std::string::npos)
            r = RunHikkoshi(with(cf));  // killed before it recorded anything
          for (int i = 0; i < 3 && Rewritten(r); ++i) r = RunHikkoshi(with(resume));
          if (r.exit_code != 0)
            return {false, "clone --follow --resume after SIGKILL exited " +
                               std::to_string(r.exit_code) + ": " + r.err};
        } else {
          auto r = RunHikkoshi(with(cf));
          for (int i = 0; i < 3 && Rewritten(r); ++i) {
            auto resume = cf;
            resume.push_back("--resume");
            r = RunHikkoshi(with(resume));
          }
          if (r.exit_code != 0)
            return {false, "clone --follow exited " + std::to_string(r.exit_code) + ": " + r.err};
        }
        w.AllowTruncate();
        // follow in the background, killed at a random moment while writes go on.
        BackgroundHikkoshi f(with({"follow"}), dir + "/follow-bg.log");
        f.Start();
        std::this_thread::sleep_for(std::chrono::milliseconds(200 + timing() % 1500));
        f.Kill();
        std::this_thread::sleep_for(300ms);
        w.Stop();
        history_transactions_ += w.committed();
      }
      coverage->insert(hist.begin(), hist.end());
      auto r = RunHikkoshi(with({"follow", "--until-caught-up"}));
      if (r.exit_code != 0)
        fail("follow --until-caught-up exited " + std::to_string(r.exit_code) + ": " + r.err);
    }
    // The independent comparison.
    std::map<std::string, std::string> a, b;
    try {
      a = IndependentDigest(src_->Uri(db), gc.schemas, !follow);
      b = IndependentDigest(tgt_->Uri(db), gc.schemas, !follow);
    } catch (const std::exception& e) {
      fail(std::string("digest failed: ") + e.what());
    }
    std::string d = Diff(a, b);
    std::vector<std::string> vargs = {"verify", "--source", src_->Uri(db), "--target",
                                      tgt_->Uri(db)};
    if (follow) vargs.push_back("--sequences-informational");
    auto v = RunHikkoshi(vargs);
    if (!d.empty()) {
      fail("the target differs from the source:\n" + d);
      if (v.exit_code != 1)
        fail("verify exited " + std::to_string(v.exit_code) + " although the copies differ");
    } else if (v.exit_code != 0) {
      fail("verify exited " + std::to_string(v.exit_code) + " on identical copies:\n" + v.out +
           v.err);
    }
    // Mutation: verify must find one changed row and name its key.
    if (out.ok) {
      std::vector<const GenTable*> keyed;
      for (const auto& t : gc.tables)
        if (!t.key.empty() && !t.partitioned) keyed.push_back(&t);
      if (!keyed.empty()) {
        const GenTable& t = *keyed[gen.Pick(keyed.size())];
        std::string key =
            tgt_->Value("SELECT coalesce((SELECT " + t.key.front() + "::text FROM ONLY " + t.name +
                            " ORDER BY 1 LIMIT 1), '')",
                        db);
        if (!key.empty()) {
          std::string kind;
          std::string sql = gen.Mutation(t, key, &kind);
          tgt_->Sql(sql, db);
          coverage->insert("mutation: " + kind);
          auto m = RunHikkoshi(vargs);
          if (m.exit_code != 1)
            fail("verify exited " + std::to_string(m.exit_code) + " after a mutation (" + kind +
                 " in " + t.name + ", key " + key + "): " + m.out + m.err);
          else if ((m.out + m.err).find(key) == std::string::npos)
            fail("verify did not name the mutated key " + key + " (" + kind + " in " + t.name +
                 "):\n" + m.out);
        }
      }
    }
    if (follow) RunHikkoshi(with({"cleanup"}));
    if (out.ok) {
      RunShell("rm -rf " + dir);
      src_->Sql("DROP DATABASE IF EXISTS " + db);
      tgt_->Sql("DROP DATABASE IF EXISTS " + db);
    }
    return out;
  }

  static Cluster* src_;
  static Cluster* tgt_;
  int64_t history_transactions_ = 0;  // committed by the histories of follow cases
};
Cluster* RandomDiff::src_ = nullptr;
Cluster* RandomDiff::tgt_ = nullptr;

TEST_F(RandomDiff, GeneratedCasesCopyExactlyAndVerifyAgrees) {
  const int64_t cases = EnvInt("HIKKOSHI_RANDOM_CASES", 4);
  const int64_t minutes = EnvInt("HIKKOSHI_SOAK_MINUTES", 0);
  const uint64_t base = static_cast<uint64_t>(EnvInt("HIKKOSHI_RANDOM_SEED", 1));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(minutes);
  std::set<std::string> coverage;
  std::vector<std::string> failures;
  int64_t run = 0;
  for (uint64_t seed = base;; ++seed) {
    if (minutes > 0 ? std::chrono::steady_clock::now() >= deadline : run >= cases) break;
    Outcome o;
    try {
      o = RunCase(seed, &coverage);
    } catch (const std::exception& e) {
      o = {false, std::string("exception: ") + e.what()};
    }
    ++run;
    if (!o.ok) {
      failures.push_back("seed " + std::to_string(seed) + ": " + o.why);
      ADD_FAILURE() << "seed " << seed << " (rerun: HIKKOSHI_RANDOM_SEED=" << seed
                    << " HIKKOSHI_RANDOM_CASES=1): " << o.why;
    }
  }
  std::printf("random-diff: %lld cases run, seeds %llu..%llu, %zu with differences or errors\n",
              static_cast<long long>(run), static_cast<unsigned long long>(base),
              static_cast<unsigned long long>(base + run - 1), failures.size());
  std::printf("random-diff: %lld history transactions committed on the source in follow cases\n",
              static_cast<long long>(history_transactions_));
  std::printf("random-diff coverage:\n");
  for (const auto& c : coverage) std::printf("  %s\n", c.c_str());
  for (const auto& f : failures) std::printf("FAILED %s\n", f.substr(0, 2000).c_str());
  std::fflush(stdout);
}

}  // namespace
}  // namespace hk::test
