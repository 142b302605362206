// hikkoshi clone: kill -9 at 20 evenly spaced moments of a run, then
// --resume, each time onto a fresh target database; every resumed clone
// must finish and equal the source (rows, indexes, constraints, sequences).
// Every step that creates something on the target must be idempotent on
// resume (#10.13). A small shop dataset (scale 0.002), --jobs 2 and split
// tables so kills land in pg_dump, pre-data, COPY streams, split parts,
// index builds, post-data and the last steps.
// Budget: about 1.5 minutes on 2 idle cores.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "pg/quote.h"
#include "support/harness.h"

namespace hk::test {
namespace {

/// What must match: per table a row count and an md5 of the sorted row
/// texts; index, constraint and sequence definitions/values.
std::map<std::string, std::string> Contents(Cluster& c, const std::string& db) {
  std::map<std::string, std::string> out;
  auto conn = c.Connect(db);
  auto rels = conn.Exec(R"sql(
    SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\_%' ORDER BY 1)sql");
  EXPECT_TRUE(rels.ok());
  if (!rels.ok()) return out;
  for (int i = 0; i < rels->rows(); ++i) {
    std::string q = rels->Str(i, 0);
    auto v = conn.QueryValue(
        "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"
        " FROM " +
        q + " t");
    out["rows " + q] = v.ok() ? *v : "error: " + v.error().message;
  }
  const std::map<std::string, std::string> catalog = {
      {"indexes",
       "SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname NOT IN "
       "('pg_catalog', 'information_schema')"},
      {"constraints",
       "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
       "|| convalidated FROM pg_constraint WHERE connamespace NOT IN "
       "('pg_catalog'::regnamespace, 'information_schema'::regnamespace)"},
      {"invalid indexes", "SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid"},
      {"sequences",
       "SELECT format('%I.%I', schemaname, sequencename) || ' ' || coalesce(last_value::text, '-') "
       "FROM pg_sequences"},
      {"triggers", "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"},
      {"large objects", "SELECT oid::text || md5(lo_get(oid)) FROM pg_largeobject_metadata"},
  };
  for (const auto& [name, sql] : catalog) {
    auto v = conn.QueryValue("SELECT coalesce(string_agg(x, E'\\n' ORDER BY x), '') FROM (" + sql +
                             ") s(x)");
    out[name] = v.ok() ? *v : "error: " + v.error().message;
  }
  return out;
}

TEST(CloneKill, TwentyKillsThenResume) {
  Cluster src("kill-src");
  Cluster dst("kill-dst");
  src.CreateDatabase("shop");
  src.PsqlFile(SourceDir() + "/scripts/sample-data.sql", "shop", {"scale=0.002"});
  src.Sql("SELECT lo_from_bytea(0, 'a large object')", "shop");
  // An index whose build on the target takes ~0.75 s (not its ANALYZE):
  // kills land in it, and the server then commits the orphaned build while
  // the resumed run builds the same index.
  src.Sql(
      "CREATE FUNCTION public.slow_key(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i';"
      "CREATE TABLE public.slow_t (id int); INSERT INTO public.slow_t SELECT generate_series(1, 5);"
      "CREATE UNIQUE INDEX slow_t_key ON public.slow_t (public.slow_key(id));"
      "CREATE OR REPLACE FUNCTION public.slow_key(i int) RETURNS int LANGUAGE sql IMMUTABLE AS"
      " $$SELECT i FROM pg_catalog.pg_sleep(CASE WHEN pg_catalog.current_query() LIKE 'CREATE%'"
      " THEN 0.15 ELSE 0 END)$$;",
      "shop");
  const auto want = Contents(src, "shop");
  ASSERT_GT(want.size(), 10u);
  char tmpl[] = "/tmp/hk-clone-kill-XXXXXX";
  const std::string dirs = mkdtemp(tmpl);

  auto command = [&](const std::string& db, bool resume) {
    std::string cmd = ShellQuote(HIKKOSHI_BINARY);
    for (const std::string& a :
         {std::string("clone"), std::string("--source"), src.Uri("shop"), std::string("--target"),
          dst.Uri(db), std::string("--jobs"), std::string("2"), std::string("--index-jobs"),
          std::string("2"), std::string("--split-tables-larger-than"), std::string("1MB"),
          std::string("--dir"), dirs + "/" + db})
      cmd += " " + ShellQuote(a);
    return cmd + (resume ? " --resume" : "");
  };

  // How long an undisturbed run takes (and it must be right, too).
  dst.CreateDatabase("k0");
  auto t0 = std::chrono::steady_clock::now();
  auto r = RunShell(command("k0", false));
  double full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Contents(dst, "k0"), want);

  int killed = 0;
  for (int k = 1; k <= 20; ++k) {
    const double at = full * k / 21.0;
    SCOPED_TRACE("killed at " + std::to_string(at) + " s of " + std::to_string(full) + " s");
    const std::string db = "k" + std::to_string(k);
    dst.CreateDatabase(db);
    r = RunShell("timeout -s KILL " + std::to_string(at) + " " + command(db, false));
    ASSERT_TRUE(r.exit_code == 137 || r.exit_code == 0) << r.exit_code << "\n" << r.err;
    if (r.exit_code == 137) {
      ++killed;
      r = RunShell(command(db, true));
      // A kill before the state file recorded the clone's fingerprint leaves
      // nothing to resume: then a fresh start must work.
      if (r.exit_code == 2 && r.err.find("no clone to resume") != std::string::npos)
        r = RunShell(command(db, false) + " --drop-if-exists");
      // Killed after the state recorded the end (printing the summary):
      // nothing is left to do, and --resume says so.
      bool finished = r.exit_code == 2 && r.err.find("already finished") != std::string::npos;
      if (!finished) {
        ASSERT_EQ(r.exit_code, 0) << r.err;
      }
    }
    EXPECT_EQ(Contents(dst, db), want);
  }
  // Most moments must really have interrupted a run.
  EXPECT_GE(killed, 15);
  std::printf("undisturbed run %.1f s; %d of 20 runs killed, each resumed\n", full, killed);
  RunShell("rm -rf " + ShellQuote(dirs));
}

}  // namespace
}  // namespace hk::test
