#include <gtest/gtest.h>

#include "check/provider.h"
#include "check/rules.h"

namespace hk::check {
namespace {

ServerFacts GoodSource() {
  ServerFacts s;
  s.version = "15.18";
  s.version_num = 150018;
  s.database = "shop";
  s.user = "app";
  s.encoding = "UTF8";
  s.collate = s.ctype = "C.UTF-8";
  s.locale_provider = "libc";
  s.wal_level = "logical";
  s.max_replication_slots = 10;
  s.max_wal_senders = 10;
  s.has_replication = true;
  s.can_create_in_db = true;
  s.server_addr = "10.0.0.1:5432";
  TableFacts t;
  t.schema = "public";
  t.name = "users";
  t.has_pk = true;
  s.tables.push_back(t);
  return s;
}

ServerFacts GoodTarget() {
  ServerFacts t = GoodSource();
  t.tables.clear();
  t.is_superuser = true;
  t.server_addr = "10.0.0.2:5432";
  return t;
}

const Item* Find(const Report& r, const std::string& id) {
  for (const auto& i : r.items)
    if (i.id == id) return &i;
  return nullptr;
}

Report EvalAll(const ServerFacts& s, const ServerFacts& t, RuleOptions o = {}) {
  Report r;
  EvaluateSource(s, o, r);
  EvaluateTarget(t, o, r);
  EvaluatePair(s, t, o, r);
  EvaluateProviders(&s, &t, o, r);
  return r;
}

TEST(Rules, GoodPairPasses) {
  Report r = EvalAll(GoodSource(), GoodTarget());
  EXPECT_EQ(r.ExitCode(), 0) << r.ToText(false);
}

TEST(Rules, WalLevelReplicaFailsWithProviderFix) {
  ServerFacts s = GoodSource();
  s.wal_level = "replica";
  RuleOptions o;
  o.source_host = "mydb.abc123.us-east-1.rds.amazonaws.com";
  Report r = EvalAll(s, GoodTarget(), o);
  EXPECT_EQ(r.ExitCode(), 2);
  const Item* i = Find(r, "source.wal_level");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->verdict, Verdict::kFail);
  EXPECT_NE(i->fix.find("rds.logical_replication"), std::string::npos);
}

TEST(Rules, TableWithoutIdentityWarnsByName) {
  ServerFacts s = GoodSource();
  TableFacts t;
  t.schema = "public";
  t.name = "audit_log";
  s.tables.push_back(t);
  TableFacts full = t;
  full.name = "full_ok";
  full.replident = 'f';
  s.tables.push_back(full);
  TableFacts parent = t;
  parent.name = "parted";
  parent.relkind = 'p';
  s.tables.push_back(parent);
  Report r = EvalAll(s, GoodTarget());
  const Item* i = Find(r, "source.replica_identity");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->verdict, Verdict::kWarn);
  EXPECT_NE(i->detail.find("\"audit_log\""), std::string::npos);
  EXPECT_EQ(i->detail.find("full_ok"), std::string::npos);
  EXPECT_EQ(i->detail.find("parted"), std::string::npos);
  EXPECT_EQ(r.ExitCode(), 1);
}

TEST(Rules, ReplicaIdentityIndexNeedsTheIndex) {
  TableFacts t;
  t.replident = 'i';
  EXPECT_FALSE(t.HasUsableIdentity());
  t.has_replident_index = true;
  EXPECT_TRUE(t.HasUsableIdentity());
  t.replident = 'n';
  t.has_pk = true;
  EXPECT_FALSE(t.HasUsableIdentity());
}

TEST(Rules, PrivilegesAndSlots) {
  ServerFacts s = GoodSource();
  s.has_replication = false;
  s.max_replication_slots = 2;
  s.used_replication_slots = 2;
  Report r = EvalAll(s, GoodTarget());
  EXPECT_EQ(Find(r, "source.replication_privilege")->verdict, Verdict::kFail);
  EXPECT_EQ(Find(r, "source.replication_slots")->verdict, Verdict::kFail);
  s.rds_replication = true;
  Report r2 = EvalAll(s, GoodTarget());
  EXPECT_EQ(Find(r2, "source.replication_privilege")->verdict, Verdict::kPass);
}

TEST(Rules, NonEmptyTargetBlocksUnlessDropping) {
  ServerFacts t = GoodTarget();
  t.user_objects = 3;
  EXPECT_EQ(Find(EvalAll(GoodSource(), t), "target.empty")->verdict, Verdict::kFail);
  RuleOptions o;
  o.drop_if_exists = true;
  EXPECT_EQ(Find(EvalAll(GoodSource(), t, o), "target.empty")->verdict, Verdict::kWarn);
}

TEST(Rules, EncodingCollationVersionExtensions) {
  ServerFacts t = GoodTarget();
  t.encoding = "LATIN1";
  t.collate = "en_US.UTF-8";
  t.version_num = 140010;
  ServerFacts s = GoodSource();
  s.extensions = {{"plpgsql", "1.0"}, {"pgvector", "0.7.0"}, {"citext", "1.6"}};
  t.available_extensions = {{"citext", "1.6"}};
  Report r = EvalAll(s, t);
  EXPECT_EQ(Find(r, "pair.encoding")->verdict, Verdict::kWarn);
  EXPECT_EQ(Find(r, "pair.collation")->verdict, Verdict::kWarn);
  EXPECT_NE(Find(r, "pair.collation")->detail.find("ORDER BY"), std::string::npos);
  EXPECT_EQ(Find(r, "pair.versions")->verdict, Verdict::kFail);
  EXPECT_EQ(Find(r, "pair.extensions")->verdict, Verdict::kFail);
  EXPECT_NE(Find(r, "pair.extensions")->detail.find("pgvector"), std::string::npos);
}

TEST(Rules, SameServerTwice) {
  ServerFacts s = GoodSource();
  s.system_identifier = "123";
  ServerFacts t = GoodTarget();
  t.system_identifier = "123";
  EXPECT_EQ(Find(EvalAll(s, t), "pair.distinct")->verdict, Verdict::kFail);
}

TEST(Provider, Detects) {
  EXPECT_EQ(DetectProvider("ep-cool-name-123456-pooler.us-east-2.aws.neon.tech", "5432"),
            Provider::kNeonPooler);
  EXPECT_EQ(DetectProvider("ep-cool-name-123456.us-east-2.aws.neon.tech", "5432"), Provider::kNeon);
  EXPECT_EQ(DetectProvider("mydb.abc.ap-northeast-1.rds.amazonaws.com", "5432"), Provider::kRds);
  EXPECT_EQ(DetectProvider("c.cluster-abc.ap-northeast-1.rds.amazonaws.com", "5432"),
            Provider::kAurora);
  EXPECT_EQ(DetectProvider("aws-0-eu.pooler.supabase.com", "6543"), Provider::kSupabasePooler);
  EXPECT_EQ(DetectProvider("db.example.com", "5432"), Provider::kUnknown);
  EXPECT_EQ(DetectProvider("", ""), Provider::kUnknown);
}

TEST(Provider, NeonPoolerSourceIsABlocker) {
  RuleOptions o;
  o.source_host = "ep-x-pooler.eu-central-1.aws.neon.tech";
  Report r = EvalAll(GoodSource(), GoodTarget(), o);
  const Item* i = Find(r, "provider.source");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->verdict, Verdict::kFail);
  EXPECT_NE(i->fix.find("host ep-x.eu-central-1.aws.neon.tech"), std::string::npos) << i->fix;
  EXPECT_EQ(i->data["direct_host"], "ep-x.eu-central-1.aws.neon.tech");
}

TEST(Report, JsonShape) {
  Report r = EvalAll(GoodSource(), GoodTarget());
  auto j = r.ToJson();
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_TRUE(j["items"].is_array());
  EXPECT_EQ(j["summary"]["exit_code"], 0);
  for (const auto& i : j["items"]) {
    EXPECT_TRUE(i.contains("id"));
    EXPECT_TRUE(i.contains("verdict"));
    EXPECT_TRUE(i.contains("fix"));
  }
}

TEST(Format, Helpers) {
  EXPECT_EQ(NameList({"a", "b", "c"}, 2), "a, b and 1 more");
  EXPECT_EQ(HumanBytes(512), "512 B");
  EXPECT_EQ(HumanBytes(1536), "1.5 kB");
  EXPECT_EQ(HumanDuration(30), "under a minute");
}

}  // namespace
}  // namespace hk::check

namespace hk::check {
namespace {

TEST(Rules, DatabaseSettingsCarriedOrListedWithStatements) {
  ServerFacts s = GoodSource();
  ServerFacts t = GoodTarget();
  Report r = EvalAll(s, t);
  ASSERT_NE(Find(r, "pair.db_settings"), nullptr);
  EXPECT_EQ(Find(r, "pair.db_settings")->verdict, Verdict::kPass);

  s.db_settings = {{"", "search_path=abc, public"},
                   {"", "timezone=UTC"},
                   {"", "default_transaction_read_only=on"},  // cutover's freeze: never carried
                   {"app", "work_mem=8MB"}};
  t.db_settings = {{"", "timezone=UTC"}};
  r = EvalAll(s, t);  // a superuser target: clone sets them
  EXPECT_EQ(Find(r, "pair.db_settings")->verdict, Verdict::kInfo) << r.ToText(false);

  t.is_superuser = false;
  t.owns_database = true;
  r = EvalAll(s, t);  // the owner may not set another role's settings
  const Item* i = Find(r, "pair.db_settings");
  EXPECT_EQ(i->verdict, Verdict::kWarn);
  EXPECT_NE(i->fix.find("ALTER DATABASE \"shop\" SET \"search_path\" TO 'abc', 'public';"),
            std::string::npos)
      << i->fix;
  EXPECT_NE(i->fix.find("ALTER ROLE \"app\" IN DATABASE \"shop\" SET \"work_mem\" TO '8MB';"),
            std::string::npos)
      << i->fix;
  EXPECT_EQ(i->fix.find("timezone"), std::string::npos) << i->fix;  // already on the target
  EXPECT_EQ(i->data["statements"].size(), 2u);

  s.db_settings.pop_back();
  r = EvalAll(s, t);  // database-level only: the owner may
  EXPECT_EQ(Find(r, "pair.db_settings")->verdict, Verdict::kInfo);
}

}  // namespace
}  // namespace hk::check

namespace hk::check {
namespace {

TEST(Rules, ApplyModesFollowCapabilitiesNotRoleNames) {
  ServerFacts s = GoodSource(), t = GoodTarget();
  t.is_superuser = false;
  t.rds_superuser = true;  // a role name proves nothing
  Report r = EvalAll(s, t);
  const Item* a = Find(r, "target.apply_privilege");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->verdict, Verdict::kInfo);
  EXPECT_EQ(a->data["progress_mode"], "progress-table");
  EXPECT_EQ(a->data["trigger_mode"], "disable-triggers");
  EXPECT_NE(a->detail.find("EXECUTE on the pg_replication_origin_* functions"), std::string::npos);
  EXPECT_NE(a->detail.find("SET on parameter session_replication_role"), std::string::npos);
  EXPECT_NE(a->fix.find("GRANT SET ON PARAMETER session_replication_role TO \"app\""),
            std::string::npos);
  EXPECT_EQ(r.ExitCode(), 0) << r.ToText(false);  // the fallbacks work: not a warning

  t.origin_functions = true;
  t.can_set_replica_role = true;
  r = EvalAll(s, t);
  a = Find(r, "target.apply_privilege");
  EXPECT_EQ(a->verdict, Verdict::kPass);
  EXPECT_EQ(a->data["progress_mode"], "origin");
  EXPECT_EQ(a->data["trigger_mode"], "replica-role");

  // Only one of them: exactly that one is listed as missing.
  t.origin_functions = false;
  r = EvalAll(s, t);
  a = Find(r, "target.apply_privilege");
  EXPECT_EQ(a->data["missing"].size(), 1u);
  EXPECT_EQ(a->data["progress_mode"], "progress-table");
  EXPECT_EQ(a->data["trigger_mode"], "replica-role");

  // The reverse direction (rollback) is judged on the source's own role.
  const Item* back = Find(r, "source.apply_privilege");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->data["progress_mode"], "progress-table");
}

TEST(Rules, PublicationNeedsSuperuserOrOwnership) {
  ServerFacts s = GoodSource(), t = GoodTarget();
  Report r = EvalAll(s, t);
  const Item* p = Find(r, "source.publication");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->verdict, Verdict::kPass);
  EXPECT_NE(p->detail.find("by name"), std::string::npos);

  // A REPLICATION role that owns nothing can make a slot, not the publication.
  s.tables[0].owned = false;
  r = EvalAll(s, t);
  p = Find(r, "source.publication");
  EXPECT_EQ(p->verdict, Verdict::kFail);
  EXPECT_NE(p->detail.find("users"), std::string::npos) << p->detail;
  EXPECT_EQ(r.ExitCode(), 2);

  s.is_superuser = true;
  r = EvalAll(s, t);
  EXPECT_EQ(Find(r, "source.publication")->verdict, Verdict::kPass);
  EXPECT_NE(Find(r, "source.publication")->detail.find("FOR ALL TABLES"), std::string::npos);
}

}  // namespace
}  // namespace hk::check

namespace hk::check {
namespace {

TEST(Provider, NeonFacts) {
  RuleOptions o;
  o.source_host = "ep-cool-name-123.us-east-2.aws.neon.tech";
  o.source_sslmode = "verify-full";
  ServerFacts s = GoodSource();
  Report r = EvalAll(s, GoodTarget(), o);
  const Item* i = Find(r, "provider.source");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->verdict, Verdict::kWarn);  // the slot-removal window
  EXPECT_NE(i->detail.find("40 hours"), std::string::npos);
  EXPECT_EQ(Find(r, "provider.source.logical_replication"), nullptr);
  EXPECT_EQ(Find(r, "provider.source.tls"), nullptr);

  s.wal_level = "replica";  // logical replication not enabled in the project
  o.source_sslmode = "require";
  r = EvalAll(s, GoodTarget(), o);
  i = Find(r, "provider.source.logical_replication");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->verdict, Verdict::kFail);
  EXPECT_NE(i->fix.find("Project settings"), std::string::npos);
  ASSERT_NE(Find(r, "provider.source.tls"), nullptr);
  EXPECT_NE(Find(r, "provider.source.tls")->fix.find("verify-full"), std::string::npos);

  EXPECT_EQ(NeonDirectHost("ep-a-pooler.c-2.eu.aws.neon.tech"), "ep-a.c-2.eu.aws.neon.tech");
  EXPECT_EQ(NeonDirectHost("ep-a.c-2.eu.aws.neon.tech"), "ep-a.c-2.eu.aws.neon.tech");
}

TEST(Provider, RdsTargetFacts) {
  RuleOptions o;
  o.target_host = "shop.abc123.eu-west-1.rds.amazonaws.com";
  o.target_sslmode = "verify-full";
  ServerFacts t = GoodTarget();
  t.is_superuser = false;
  t.rds_superuser = true;
  t.has_replication = false;  // NOREPLICATION, like the RDS master user
  t.settings["rds.logical_replication"] = "off";
  t.settings["rds.force_ssl"] = "1";
  Report r = EvalAll(GoodSource(), t, o);
  const Item* lr = Find(r, "provider.target.logical_replication");
  ASSERT_NE(lr, nullptr);
  EXPECT_EQ(lr->verdict, Verdict::kWarn);
  EXPECT_NE(lr->detail.find("rollback"), std::string::npos);
  EXPECT_NE(lr->fix.find("rds.logical_replication = 1"), std::string::npos);
  const Item* rr = Find(r, "provider.target.replication_role");
  ASSERT_NE(rr, nullptr);
  EXPECT_NE(rr->fix.find("GRANT rds_replication TO \"app\";"), std::string::npos);
  EXPECT_EQ(Find(r, "provider.target.tls"), nullptr);

  t.settings["rds.logical_replication"] = "on";
  t.rds_replication = true;
  o.target_sslmode = "";
  r = EvalAll(GoodSource(), t, o);
  EXPECT_EQ(Find(r, "provider.target.logical_replication"), nullptr);
  EXPECT_EQ(Find(r, "provider.target.replication_role"), nullptr);
  ASSERT_NE(Find(r, "provider.target.tls"), nullptr);
  EXPECT_NE(Find(r, "provider.target.tls")->fix.find("global-bundle.pem"), std::string::npos);
}

TEST(Rules, ProviderOnlyExtensionsAreLeftOutWithANote) {
  ServerFacts s = GoodSource(), t = GoodTarget();
  s.extensions = {{"neon", "1.5"}, {"neon_utils", "1.0"}, {"pgcrypto", "1.3"}};
  t.available_extensions = {{"pgcrypto", "1.3"}};
  Report r = EvalAll(s, t);
  const Item* e = Find(r, "pair.extensions");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->verdict, Verdict::kPass);
  EXPECT_NE(e->detail.find("left out by clone: neon, neon_utils"), std::string::npos) << e->detail;

  s.extensions["postgis"] = "3.4.0";  // not provider-only: still a blocker
  r = EvalAll(s, t);
  EXPECT_EQ(Find(r, "pair.extensions")->verdict, Verdict::kFail);
  EXPECT_NE(Find(r, "pair.extensions")->detail.find("postgis"), std::string::npos);
  EXPECT_EQ(Find(r, "pair.extensions")->detail.find("cannot install neon"), std::string::npos);
}

}  // namespace
}  // namespace hk::check
