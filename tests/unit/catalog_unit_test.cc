// The catalog module's pure pieces: the user-object filter fragments and
// the types that may travel as binary COPY.
#include <gtest/gtest.h>

#include "pg/catalog/binary_types.h"
#include "pg/catalog/filter.h"
#include "pg/catalog/relations.h"

namespace hk::pg::catalog {
namespace {

TEST(CatalogFilter, SystemSchemasAndHikkoshisOwn) {
  std::string sys = NotSystemSchema("n.nspname");
  for (const char* frag : {"n.nspname NOT IN ('pg_catalog', 'information_schema')",
                           "n.nspname NOT LIKE 'pg\\_toast%'", "n.nspname NOT LIKE 'pg\\_temp%'"})
    EXPECT_NE(sys.find(frag), std::string::npos) << frag << " in " << sys;
  EXPECT_EQ(sys.find("hikkoshi"), std::string::npos);
  std::string user = UserSchema("o.schema");
  EXPECT_NE(user.find("o.schema <> 'hikkoshi'"), std::string::npos) << user;
  EXPECT_NE(user.find("o.schema NOT IN ('pg_catalog', 'information_schema')"), std::string::npos);
}

TEST(CatalogFilter, ExtensionMembershipNamesTheObjectsCatalog) {
  std::string f = NotExtensionMember("pg_proc", "p.oid");
  EXPECT_NE(f.find("classid = 'pg_proc'::pg_catalog.regclass"), std::string::npos) << f;
  EXPECT_NE(f.find("objid = p.oid"), std::string::npos) << f;
  EXPECT_NE(f.find("deptype = 'e'"), std::string::npos) << f;
  std::string rel = UserRelation("k", "s");
  EXPECT_NE(rel.find("classid = 'pg_class'::pg_catalog.regclass"), std::string::npos) << rel;
  EXPECT_NE(rel.find("objid = k.oid"), std::string::npos) << rel;
  EXPECT_NE(rel.find("s.nspname <> 'hikkoshi'"), std::string::npos) << rel;
  std::string pub = PublishableTable();
  for (const char* frag : {"c.relkind IN ('r', 'p')", "NOT c.relispartition",
                           "c.relpersistence = 'p'", "objid = c.oid"})
    EXPECT_NE(pub.find(frag), std::string::npos) << frag << " in " << pub;
  // Unlogged top-level tables are the user's too (copied), just not publishable.
  std::string top = TopLevelTable();
  EXPECT_EQ(top.find("relpersistence"), std::string::npos) << top;
  EXPECT_NE(top.find("NOT c.relispartition"), std::string::npos) << top;
  EXPECT_NE(pub.find(top), std::string::npos) << pub;
}

TEST(CatalogRelations, QualifiedAndOidArray) {
  Relation r;
  r.schema = "Odd \"Schema\"";
  r.name = "t";
  EXPECT_EQ(r.Qualified(), "\"Odd \"\"Schema\"\"\".\"t\"");
  EXPECT_EQ(OidArray({}), "{}");
  EXPECT_EQ(OidArray({1, 22, 333}), "{1,22,333}");
}

TypeStep Own(const char* n, bool builtin = true) { return TypeStep{0, builtin, n}; }
TypeStep Dom(const char* n, bool builtin = true) { return TypeStep{'d', builtin, n}; }
TypeStep Elem(const char* n, bool builtin = true) { return TypeStep{'a', builtin, n}; }

TEST(CatalogBinaryTypes, BinaryOnlyForPositionIndependentTypes) {
  EXPECT_TRUE(BinarySafe({Own("int4")}));
  EXPECT_TRUE(BinarySafe({Own("_int4"), Elem("int4")}));
  EXPECT_TRUE(BinarySafe({Own("mydomain", false), Dom("text")}));
  EXPECT_TRUE(BinarySafe({Own("d2", false), Dom("d1", false), Dom("_text"), Elem("text")}));
  // reg* types are OIDs in binary form.
  for (const char* reg :
       {"regclass", "regrole", "regproc", "regprocedure", "regoper", "regoperator", "regtype",
        "regnamespace", "regconfig", "regdictionary", "regcollation"}) {
    EXPECT_FALSE(BinarySafe({Own(reg)})) << reg;
    EXPECT_TRUE(TextRequired({Own(reg)})) << reg;
    EXPECT_TRUE(TextRequired({Own("_x"), Elem("d", false), Dom(reg)})) << reg;
  }
  EXPECT_FALSE(BinarySafe({Own("_regclass"), Elem("regclass")}));
  EXPECT_FALSE(BinarySafe({Own("rc", false), Dom("regclass")}));
  // An array of a domain names the domain's (per-database) OID.
  EXPECT_FALSE(BinarySafe({Own("_mydomain", false), Elem("mydomain", false), Dom("int4")}));
  // User and unlisted types.
  EXPECT_FALSE(BinarySafe({Own("mood", false)}));
  EXPECT_FALSE(BinarySafe({Own("hstore", false)}));
  EXPECT_FALSE(BinarySafe({Own("aclitem")}));
  EXPECT_FALSE(BinarySafe({Own("money")}));
  EXPECT_FALSE(BinarySafe({}));
  EXPECT_FALSE(TextRequired({Own("int4")}));
}

}  // namespace
}  // namespace hk::pg::catalog
