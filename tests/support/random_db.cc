#include "support/random_db.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "pg/connection.h"
#include "pg/conninfo.h"

namespace hk::test {
namespace {

/// The type families the generator writes. `user` types are created per case.
struct TypeSpec {
  const char* sql;
  const char* family;
};

const TypeSpec kTypes[] = {
    {"int2", "integer"},
    {"int4", "integer"},
    {"int8", "integer"},
    {"numeric", "numeric"},
    {"numeric(12,3)", "numeric"},
    {"float4", "float"},
    {"float8", "float"},
    {"text", "text"},
    {"varchar(40)", "text"},
    {"char(5)", "text"},
    {"bytea", "bytea"},
    {"bool", "bool"},
    {"date", "datetime"},
    {"timestamp", "datetime"},
    {"timestamptz", "datetime"},
    {"time", "datetime"},
    {"timetz", "datetime"},
    {"interval", "interval"},
    {"uuid", "uuid"},
    {"json", "json"},
    {"jsonb", "json"},
    {"inet", "network"},
    {"cidr", "network"},
    {"macaddr", "network"},
    {"point", "geometric"},
    {"box", "geometric"},
    {"bit(8)", "bit"},
    {"varbit", "bit"},
    {"tsvector", "textsearch"},
    {"money", "money"},
    {"regclass", "reg"},
    {"regtype", "reg"},
    {"regproc", "reg"},
    {"regprocedure", "reg"},
    {"regoper", "reg"},
    {"regoperator", "reg"},
    {"regnamespace", "reg"},
    {"regrole", "reg"},
    {"regconfig", "reg"},
    {"regdictionary", "reg"},
    {"regcollation", "reg"},
    {"regclass[]", "reg"},
    {"int4[]", "array"},
    {"text[]", "array"},
    {"numeric[]", "array"},
    {"int4range", "range"},
    {"numrange", "range"},
    {"tstzrange", "range"},
    {"daterange", "range"},
    {"int4multirange", "range"},
    {"citext", "extension"},
    // User types, named per case (see MakeCase): enum, domains, composite.
    {"mood", "enum"},
    {"mood[]", "enum"},
    {"money2", "domain"},
    {"short_text", "domain"},
    {"pair", "composite"},
    {"pair[]", "composite"},
};
constexpr int kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);

const char* kTexts[] = {"",           "a",        "it''s",   "back\\slash", "tab\there",
                        "new\nline",  "日本語",   "ü ñ ø",   "\\N",         "NULL",
                        "  spaces  ", "quote\"d", "{brace}", "comma,semi;", "émoji 🚚"};

std::string Q(const std::string& s) {  // SQL literal (standard_conforming_strings on)
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

RandomDbGenerator::RandomDbGenerator(uint64_t seed) : rng_(seed), seed_(seed) {}

std::string RandomDbGenerator::TypeName(int type) const {
  std::string f = kTypes[type].family;
  std::string n = kTypes[type].sql;
  if (f == "enum" || f == "domain" || f == "composite") return case_.schemas.front() + "." + n;
  return n;
}

std::string RandomDbGenerator::Ident(const std::string& base) {
  static const char* kOdd[] = {"\"Odd Name {}\"", "\"select_{}\"",   "\"ü_tab{}\"",
                               "\"a\"\"b{}\"",    "\"CamelCase{}\"", "t{}"};
  int n = next_name_++;
  if (Pick(3) == 0) return fmt::format(fmt::runtime(kOdd[Pick(6)]), n);
  return base + std::to_string(n);
}

GenColumn RandomDbGenerator::RandomColumn(const std::string& name) {
  GenColumn c;
  c.name = name;
  c.type = Pick(kTypeCount);
  return c;
}

std::string RandomDbGenerator::Value(const GenColumn& c) {
  const std::string f = kTypes[c.type].family;
  const std::string t = kTypes[c.type].sql;
  auto cast = [&](const std::string& lit) { return Q(lit) + "::" + TypeName(c.type); };
  if (Pick(12) == 0 && !c.identity_default) return "NULL";
  if (f == "integer") {
    static const char* v[] = {"0", "-1", "1", "32767", "-32768", "42", "7"};
    std::string s = Pick(3) == 0 ? v[Pick(7)] : std::to_string(Pick(30000) - 15000);
    if (t == "int8" && Pick(4) == 0) s = "9223372036854775807";
    if (t == "int4" && Pick(6) == 0) s = "-2147483648";
    return cast(s);
  }
  if (f == "numeric") {
    static const char* v[] = {"1.0", "1.00", "-0", "0", "123456789.123", "-0.001", "1e5"};
    if (t == "numeric" && Pick(5) == 0) return cast("NaN");
    if (t == "numeric" && Pick(5) == 0) return cast("12345678901234567890.123456789012345");
    return cast(Pick(2) ? v[Pick(7)]
                        : std::to_string(Pick(100000)) + "." + std::to_string(Pick(1000)));
  }
  if (f == "float") {
    static const char* v[] = {"-0",       "0",         "0.1", "1e-30", "3.4e38",
                              "Infinity", "-Infinity", "NaN", "1.5",   "100"};
    return cast(v[Pick(10)]);
  }
  if (f == "text" || t == "citext") {
    if (t != "char(5)" && t != "varchar(40)" && Pick(8) == 0) {
      // TOAST-sized and poorly compressible: stored out of line.
      return fmt::format("(SELECT string_agg(md5('{}' || g), '') FROM generate_series(1, {}) g)",
                         Pick(1000000), 150 + Pick(200));
    }
    std::string s = kTexts[Pick(sizeof(kTexts) / sizeof(kTexts[0]))];
    if (t == "char(5)" ||
        t == "varchar(40)") {  // at most 5 characters, cut between UTF-8 sequences
      size_t i = 0;
      for (int n = 0; i < s.size() && n < 5; ++n) {
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
      }
      s = s.substr(0, i);
    }
    if (t == "citext" && Pick(2)) s = "Mixed Case";
    if (t == "citext" && Pick(2)) s = "mixed case";
    return cast(s);
  }
  if (f == "bytea")
    return Pick(2) ? cast("\\x00ff10") : fmt::format("decode(md5('{}'), 'hex')", Pick(1000));
  if (f == "bool") return Pick(2) ? "true" : "false";
  if (f == "datetime") {
    if (t == "date") {
      static const char* v[] = {"2026-12-02", "infinity", "-infinity", "0044-03-15 BC",
                                "2000-02-29"};
      return cast(v[Pick(5)]);
    }
    if (t == "timestamp" || t == "timestamptz") {
      static const char* v[] = {"2026-12-02 03:00:00.123456", "infinity", "1999-12-31 23:59:59",
                                "2026-03-29 02:30:00+01", "1970-01-01 00:00:00"};
      return cast(v[Pick(5)]);
    }
    static const char* v[] = {"00:00", "23:59:59.999999", "12:34:56+09", "24:00"};
    return cast(v[Pick(4)]);
  }
  if (f == "interval") {
    static const char* v[] = {"1 day",   "24 hours",        "1 mon -3 days",
                              "-1 year", "00:00:00.000001", "0"};
    return cast(v[Pick(6)]);
  }
  if (f == "uuid") return fmt::format("md5('{}')::uuid", Pick(100000));
  if (f == "json") {
    static const char* v[] = {"{\"a\": [1, 2.50, \"x\"], \"b\": null}", "[]", "{\"k\":1,  \"k\":2}",
                              "\"s\\u00e9\"", "1e400"};
    int i = Pick(5);
    if (t == "jsonb" && i == 4) i = 0;  // jsonb refuses numbers out of range
    return cast(v[i]);
  }
  if (f == "network") {
    if (t == "macaddr") return cast(Pick(2) ? "08:00:2b:01:02:03" : "ff:ff:ff:ff:ff:ff");
    static const char* v[] = {"192.168.0.1/24", "10.0.0.0/8", "::1/128", "2001:db8::/32"};
    std::string s = v[Pick(4)];
    if (t == "cidr" && s == "192.168.0.1/24") s = "192.168.0.0/24";
    return cast(s);
  }
  if (f == "geometric")
    return t == "point" ? cast(Pick(2) ? "(1.5,-2)" : "(0,-0)") : cast("(1,1),(0,0)");
  if (f == "bit")
    return t == "bit(8)" ? cast(Pick(2) ? "10101010" : "00000000") : cast(Pick(2) ? "1" : "");
  if (f == "textsearch") return cast(Pick(2) ? "a fat cat:1,3 sat" : "'it''s' & x");
  if (f == "money") return cast(Pick(2) ? "12.34" : "-0.01");
  if (f == "reg") {
    if (t == "regclass" || t == "regclass[]") {
      std::string target = table_names_.empty() || Pick(3) == 0
                               ? "pg_class"
                               : table_names_[Pick(table_names_.size())];
      if (t == "regclass[]") return "ARRAY[" + Q(target) + "::regclass, 'pg_type'::regclass]";
      return cast(target);
    }
    if (t == "regtype") return cast(Pick(2) ? case_.schemas.front() + ".mood" : "integer[]");
    if (t == "regproc") return cast(Pick(2) ? "now" : "pg_catalog.timeofday");
    if (t == "regprocedure") return cast(Pick(2) ? "abs(integer)" : "pg_catalog.lower(text)");
    if (t == "regoper") return cast("||/");
    if (t == "regoperator") return cast(Pick(2) ? "+(integer,integer)" : "-(NONE,integer)");
    if (t == "regnamespace") return cast(case_.schemas[Pick(case_.schemas.size())]);
    if (t == "regrole") return cast(Pick(2) ? "postgres" : "pg_monitor");
    if (t == "regconfig") return cast(Pick(2) ? "english" : "simple");
    if (t == "regdictionary") return cast("simple");
    return cast(Pick(2) ? "\"C\"" : "\"default\"");
  }
  if (f == "array") {
    if (t == "int4[]") {
      static const char* v[] = {"{}", "{1,NULL,3}", "{{1,2},{3,4}}", "[0:1]={7,8}"};
      return cast(v[Pick(4)]);
    }
    if (t == "text[]") {
      static const char* v[] = {"{}", "{\"a b\",NULL,\"NULL\",\"q\\\"x\"}", "{{a,b},{c,d}}",
                                "{\"\"}"};
      return cast(v[Pick(4)]);
    }
    return cast(Pick(2) ? "{1.0,1.00,NaN}" : "{-0}");
  }
  if (f == "range") {
    if (t == "int4range") return cast(Pick(2) ? "[1,10)" : "empty");
    if (t == "numrange") return cast(Pick(2) ? "(1.0,2.50]" : "(,)");
    if (t == "tstzrange")
      return cast(Pick(2) ? "[2026-01-01,2026-12-31)" : "[2026-01-01,infinity)");
    if (t == "daterange") return cast("[2026-01-01,2026-02-01)");
    return cast(Pick(2) ? "{[1,3),[5,8)}" : "{}");
  }
  if (f == "enum") {
    static const char* labels[] = {"happy", "a b", "Ü", "it''s"};
    if (t == "mood[]") return "ARRAY['happy', 'a b']::" + TypeName(c.type);
    return "'" + std::string(labels[Pick(4)]) + "'::" + TypeName(c.type);
  }
  if (f == "domain") {
    if (t == "money2") return cast(Pick(2) ? "12.50" : "0");
    return cast(kTexts[Pick(6)]);
  }
  if (f == "composite") {
    if (t == "pair[]") return "ARRAY[ROW(1, 'x')::" + TypeName(c.type - 1) + "]";
    return "ROW(" + std::to_string(Pick(100)) + ", " + Q(kTexts[Pick(8)]) +
           ")::" + TypeName(c.type);
  }
  throw std::logic_error("no value for type " + t);
}

std::string RandomDbGenerator::Insert(const GenTable& t, int rows) {
  std::vector<std::string> names;
  for (const auto& c : t.cols)
    if (Writable(c)) names.push_back(c.name);
  std::string sql = "INSERT INTO " + t.name + " (";
  for (size_t i = 0; i < names.size(); ++i) sql += (i ? ", " : "") + names[i];
  sql += ")";
  if (names.empty()) return "INSERT INTO " + t.name + " DEFAULT VALUES";
  sql += " VALUES ";
  for (int r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    bool first = true;
    for (const auto& c : t.cols) {
      if (!Writable(c)) continue;
      std::string v;
      if (c.name == "id" && t.int_key)
        v = std::to_string(next_id_++);
      else if (c.name == "id")
        v = fmt::format("md5('k{}')::uuid", next_id_++);
      else if (c.name == "region")
        v = Q("r" + std::to_string(Pick(5)));
      else if (c.name == "k" && t.partitioned)
        v = std::to_string(Pick(350) - 20);
      else
        v = Value(c);
      sql += (first ? "" : ", ") + v;
      first = false;
    }
    sql += ")";
  }
  return sql;
}

GenTable RandomDbGenerator::MakePlainTable(const std::string& schema, std::string* sql,
                                           std::set<std::string>* cov) {
  GenTable t;
  t.name = schema + "." + Ident("t");
  int key_kind =
      Pick(6);  // 0 int, 1 identity always, 2 identity by default, 3 uuid, 4 composite, 5 none
  std::string ddl = "CREATE TABLE " + t.name + " (";
  std::vector<std::string> defs;
  if (key_kind == 0 || key_kind == 4) {
    t.cols.push_back({"id", 1});
    t.int_key = true;
    defs.push_back("id int4");
  } else if (key_kind == 1 || key_kind == 2) {
    GenColumn c{"id", 2};
    (key_kind == 1 ? c.identity_always : c.identity_default) = true;
    t.cols.push_back(c);
    defs.push_back(std::string("id int8 GENERATED ") + (key_kind == 1 ? "ALWAYS" : "BY DEFAULT") +
                   " AS IDENTITY");
    cov->insert(key_kind == 1 ? "identity always key" : "identity by default key");
    if (key_kind == 2) t.int_key = true;
  } else if (key_kind == 3) {
    GenColumn c{"id", 18};
    t.cols.push_back(c);
    defs.push_back("id uuid DEFAULT md5(random()::text)::uuid");
  }
  if (key_kind == 4) {
    t.cols.push_back({"region", 7});
    defs.push_back("region text");
    cov->insert("composite key");
  }
  int ncols = 1 + Pick(6);
  for (int i = 0; i < ncols; ++i) {
    GenColumn c = RandomColumn(Pick(4) == 0 ? fmt::format("\"Col {}\"", i) : fmt::format("c{}", i));
    defs.push_back(c.name + " " + TypeName(c.type));
    cov->insert(std::string("type ") + kTypes[c.type].family);
    t.cols.push_back(c);
  }
  if (Pick(3) == 0) {  // non-key identity
    GenColumn c{"n_ident", 2};
    bool always = Pick(2);
    (always ? c.identity_always : c.identity_default) = true;
    defs.push_back(std::string("n_ident int8 GENERATED ") + (always ? "ALWAYS" : "BY DEFAULT") +
                   " AS IDENTITY");
    cov->insert(always ? "identity always non-key" : "identity by default non-key");
    t.cols.push_back(c);
  }
  if (Pick(3) == 0) {
    GenColumn n{"n", 1};
    t.cols.push_back(n);
    defs.push_back("n int4");
    GenColumn g{"g", 2};
    g.generated = true;
    t.cols.push_back(g);
    defs.push_back("g int8 GENERATED ALWAYS AS (coalesce(n, 0)::int8 * 2 + 1) STORED");
    cov->insert("stored generated column");
  }
  if (key_kind == 0 || key_kind == 1 || key_kind == 2 || key_kind == 3) t.key = {"id"};
  if (key_kind == 4) t.key = {"id", "region"};
  if (!t.key.empty()) {
    std::string k;
    for (size_t i = 0; i < t.key.size(); ++i) k += (i ? ", " : "") + t.key[i];
    defs.push_back("PRIMARY KEY (" + k + ")");
  } else {
    cov->insert("table without key");
  }
  for (size_t i = 0; i < defs.size(); ++i) ddl += (i ? ", " : "") + defs[i];
  ddl += ");\n";
  *sql += ddl;
  bool drop_col = Pick(3) == 0;
  if (drop_col) *sql += "ALTER TABLE " + t.name + " ADD COLUMN doomed text DEFAULT 'gone';\n";
  int rows = Pick(4) == 0 ? 0 : 1 + Pick(40);
  if (rows > 0) *sql += Insert(t, rows) + ";\n";
  if (t.key.empty() && rows > 0) {  // duplicates
    std::string w;
    for (const auto& c : t.cols)
      if (Writable(c)) w += (w.empty() ? "" : ", ") + c.name;
    if (!w.empty())
      *sql +=
          "INSERT INTO " + t.name + " (" + w + ") SELECT " + w + " FROM " + t.name + " LIMIT 3;\n";
    cov->insert("duplicate rows");
  }
  if (drop_col) {
    *sql += "ALTER TABLE " + t.name + " DROP COLUMN doomed;\n";
    cov->insert("dropped column");
  }
  if (Pick(6) == 0) {  // a bulk load, some of it TOASTed
    std::string textcol;
    for (const auto& c : t.cols)
      if (std::string(kTypes[c.type].sql) == "text" && Writable(c)) textcol = c.name;
    if (t.int_key && t.key.size() == 1 && !textcol.empty()) {
      int64_t base = next_id_;
      next_id_ += 3000;
      *sql += fmt::format(
          "INSERT INTO {} (id, {}) SELECT g, CASE WHEN g % 50 = 0 THEN (SELECT "
          "string_agg(md5(h::text "
          "|| g), '') FROM generate_series(1, 100) h) ELSE 'bulk ' || g END FROM "
          "generate_series({}, "
          "{}) g;\n",
          t.name, textcol, base, base + 2999);
      cov->insert("bulk load with TOAST");
    }
  }
  return t;
}

void RandomDbGenerator::MakeInheritance(const std::string& schema, std::string* sql,
                                        std::set<std::string>* cov) {
  GenTable parent;
  parent.name = schema + "." + Ident("parent");
  parent.int_key = true;
  parent.no_truncate = true;
  GenColumn a = RandomColumn("a");
  parent.cols = {{"id", 1}, a};
  *sql += "CREATE TABLE " + parent.name + " (id int4 NOT NULL, a " + TypeName(a.type) + ");\n";
  GenTable child;
  child.name = schema + "." + Ident("child");
  child.int_key = true;
  GenColumn c = RandomColumn("c");
  // A second parent: multiple inheritance.
  bool multi = Pick(2);
  std::string other;
  if (multi) {
    other = schema + "." + Ident("other");
    *sql += "CREATE TABLE " + other + " (o text);\n";
    cov->insert("multiple inheritance");
  }
  *sql += "CREATE TABLE " + child.name + " (c " + TypeName(c.type) + ") INHERITS (" + parent.name +
          (multi ? ", " + other : "") + ");\n";
  // The parent gains a column after the child exists: the child's column
  // order now differs from what pg_dump recreates.
  GenColumn d = c;
  d.name = "d";
  *sql += "ALTER TABLE " + parent.name + " ADD COLUMN d " + TypeName(d.type) + ";\n";
  parent.cols.push_back(d);
  child.cols = {{"id", 1}, a, c, d};
  if (multi) {
    child.cols.insert(child.cols.begin() + 2, GenColumn{"o", 7});
  }
  cov->insert("inheritance: parent column added after child");
  if (Pick(2)) {
    *sql += "ALTER TABLE " + child.name + " ADD PRIMARY KEY (id);\n";
    child.key = {"id"};
  }
  if (Pick(2)) {  // a column dropped from the parent
    *sql += "ALTER TABLE " + parent.name + " ADD COLUMN gone int4;\n";
    *sql += "ALTER TABLE " + parent.name + " DROP COLUMN gone;\n";
    cov->insert("inheritance: parent column dropped");
  }
  std::vector<GenTable> group = {parent, child};
  if (Pick(2)) {
    GenTable grand;
    grand.name = schema + "." + Ident("grand");
    grand.int_key = true;
    *sql += "CREATE TABLE " + grand.name + " (e int4) INHERITS (" + child.name + ");\n";
    grand.cols = child.cols;
    grand.cols.push_back({"e", 1});
    group.push_back(grand);
    group[1].no_truncate = true;
    cov->insert("multi-level inheritance");
  }
  for (auto& t : group) {
    *sql += Insert(t, 1 + Pick(10)) + ";\n";
    case_.tables.push_back(t);
  }
}

void RandomDbGenerator::MakePartitions(const std::string& schema, std::string* sql,
                                       std::set<std::string>* cov) {
  GenTable root;
  root.name = schema + "." + Ident("parted");
  root.int_key = true;
  root.partitioned = true;
  root.no_truncate = true;
  GenColumn v = RandomColumn("v");
  root.cols = {{"id", 1}, {"k", 1}, v};
  root.key = {"id", "k"};
  *sql += "CREATE TABLE " + root.name + " (id int4, k int4, v " + TypeName(v.type) +
          ", PRIMARY KEY (id, k)) PARTITION BY RANGE (k);\n";
  std::string p0 = schema + "." + Ident("p_low");
  *sql += "CREATE TABLE " + p0 + " PARTITION OF " + root.name +
          " FOR VALUES FROM (MINVALUE) TO (100);\n";
  std::string pdef = schema + "." + Ident("p_default");
  *sql += "CREATE TABLE " + pdef + " PARTITION OF " + root.name + " DEFAULT;\n";
  cov->insert("partitions with default");
  // A partition created with another column order, then attached.
  std::string p2 = schema + "." + Ident("p_attached");
  *sql +=
      "CREATE TABLE " + p2 + " (v " + TypeName(v.type) + ", k int4 NOT NULL, id int4 NOT NULL);\n";
  *sql += "ALTER TABLE " + p2 + " ADD PRIMARY KEY (id, k);\n";
  *sql +=
      "ALTER TABLE " + root.name + " ATTACH PARTITION " + p2 + " FOR VALUES FROM (200) TO (300);\n";
  cov->insert("partition attached with other column order");
  bool detach = Pick(2);
  std::string p3 = schema + "." + Ident("p_detached");
  if (detach)
    *sql +=
        "CREATE TABLE " + p3 + " PARTITION OF " + root.name + " FOR VALUES FROM (100) TO (200);\n";
  *sql += Insert(root, 5 + Pick(20)) + ";\n";
  if (detach) {  // a detached partition becomes a table of its own
    *sql += "ALTER TABLE " + root.name + " DETACH PARTITION " + p3 + ";\n";
    GenTable d;
    d.name = p3;
    d.int_key = true;
    d.cols = root.cols;
    d.key = root.key;
    case_.tables.push_back(d);
    cov->insert("detached partition");
  }
  case_.tables.push_back(root);
}

GenCase RandomDbGenerator::MakeCase() {
  case_ = GenCase{};
  case_.seed = seed_;
  table_names_.clear();
  std::string sql = "SET client_min_messages = warning;\nCREATE EXTENSION IF NOT EXISTS citext;\n";
  case_.schemas.push_back(Pick(2) ? "\"Odd Schema\"" : "abc");
  if (Pick(2)) case_.schemas.push_back("public");
  for (const auto& s : case_.schemas)
    if (s != "public") sql += "CREATE SCHEMA " + s + ";\n";
  const std::string& s0 = case_.schemas.front();
  sql += "CREATE TYPE " + s0 + ".mood AS ENUM ('happy', 'a b', 'Ü', 'it''s');\n";
  sql += "CREATE DOMAIN " + s0 + ".money2 AS numeric(12,2) CHECK (VALUE >= 0);\n";
  sql += "CREATE DOMAIN " + s0 + ".short_text AS text CHECK (length(VALUE) < 100000);\n";
  sql += "CREATE TYPE " + s0 + ".pair AS (x int4, y text);\n";
  int plain = 2 + Pick(4);
  for (int i = 0; i < plain; ++i) {
    GenTable t = MakePlainTable(case_.schemas[Pick(case_.schemas.size())], &sql, &case_.coverage);
    table_names_.push_back(t.name);
    case_.tables.push_back(t);
  }
  if (Pick(3)) MakeInheritance(case_.schemas[Pick(case_.schemas.size())], &sql, &case_.coverage);
  if (Pick(3)) MakePartitions(case_.schemas[Pick(case_.schemas.size())], &sql, &case_.coverage);
  if (Pick(4) == 0) {  // a table whose every column is generated, and one with no columns
    std::string g = s0 + "." + Ident("allgen");
    sql += "CREATE TABLE " + g + " (nb int4 GENERATED ALWAYS AS (1) STORED);\nINSERT INTO " + g +
           " VALUES (DEFAULT), (DEFAULT);\n";
    std::string z = s0 + "." + Ident("zerocol");
    sql += "CREATE TABLE " + z + " ();\nINSERT INTO " + z + " DEFAULT VALUES;\nINSERT INTO " + z +
           " DEFAULT VALUES;\n";
    case_.coverage.insert("all-generated and zero-column tables");
  }
  case_.schema_sql = sql;
  return case_;
}

static std::string Only(const GenTable& t) { return t.partitioned ? "" : "ONLY "; }

std::string RandomDbGenerator::RowPicker(const GenTable& t) {
  // One existing row, chosen by position: ctid for key-less tables.
  std::string off = std::to_string(Pick(20));
  if (t.key.empty())
    return "ctid = (SELECT ctid FROM " + Only(t) + t.name + " LIMIT 1 OFFSET " + off + ")";
  std::string k;
  for (size_t i = 0; i < t.key.size(); ++i) k += (i ? ", " : "") + t.key[i];
  return "(" + k + ") IN (SELECT " + k + " FROM " + Only(t) + t.name + " ORDER BY " + k +
         " LIMIT 1 OFFSET " + off + ")";
}

std::string RandomDbGenerator::Transaction(std::set<std::string>* cov, bool allow_truncate) {
  std::string sql;
  int ops = 1 + Pick(4);
  for (int i = 0; i < ops; ++i) {
    const GenTable& t = case_.tables[Pick(case_.tables.size())];
    std::vector<const GenColumn*> settable;
    for (const auto& c : t.cols)
      if (Writable(c) && c.name != "id" && c.name != "k" && c.name != "region")
        settable.push_back(&c);
    int op = Pick(20);
    if (op < 7) {
      sql += Insert(t, 1 + Pick(3)) + ";\n";
      cov->insert("history: insert");
    } else if (op < 12 && !settable.empty()) {
      const GenColumn& c = *settable[Pick(settable.size())];
      sql += "UPDATE " + Only(t) + t.name + " SET " + c.name + " = " + Value(c) + " WHERE " +
             RowPicker(t) + ";\n";
      cov->insert("history: update");
    } else if (op < 14) {
      sql += "DELETE FROM " + Only(t) + t.name + " WHERE " + RowPicker(t) + ";\n";
      cov->insert("history: delete");
    } else if (op == 14 && !settable.empty()) {  // changes no row
      sql += "UPDATE " + t.name + " SET " + settable[0]->name + " = " + settable[0]->name +
             " WHERE false;\n";
      sql += "DELETE FROM " + t.name + " WHERE false;\n";
      cov->insert("history: statements that change no row");
    } else if (op == 15 && t.int_key && t.key.size() == 1) {  // key change
      sql += "UPDATE " + Only(t) + t.name + " SET id = " + std::to_string(next_id_++) + " WHERE " +
             RowPicker(t) + ";\n";
      cov->insert("history: key update");
    } else if (op == 16 && t.partitioned) {  // a row moves between partitions
      sql += "UPDATE " + t.name + " SET k = k + 100 WHERE " + RowPicker(t) + ";\n";
      cov->insert("history: row moves partition");
    } else if (op == 17 && Pick(4) == 0) {  // a large transaction
      for (int r = 0; r < 10; ++r) sql += Insert(t, 100) + ";\n";
      cov->insert("history: large transaction");
    } else if (op == 18 && allow_truncate && Pick(5) == 0 && !t.no_truncate && !t.partitioned) {
      sql += "TRUNCATE ONLY " + t.name + ";\n";
      cov->insert("history: truncate");
    } else {
      sql += "SELECT 1;\n";  // a transaction that writes nothing
      cov->insert("history: read-only transaction");
    }
  }
  return sql;
}

std::string RandomDbGenerator::Mutation(const GenTable& t, const std::string& key_value,
                                        std::string* kind) {
  std::string where = t.key.front() + "::text = " + Q(key_value);
  std::vector<const GenColumn*> settable;
  for (const auto& c : t.cols)  // identity columns are NOT NULL, and the mutation may set NULL
    if (Writable(c) && !c.identity_default &&
        std::find(t.key.begin(), t.key.end(), c.name) == t.key.end())
      settable.push_back(&c);
  int m = Pick(3);
  if (m == 0 || settable.empty()) {
    *kind = "delete";
    return "DELETE FROM ONLY " + t.name + " WHERE " + where;
  }
  if (m == 1) {
    *kind = "change a column";
    const GenColumn& c = *settable[Pick(settable.size())];
    // NULL, or a value, whichever differs from what is there.
    std::string v = Value(c);
    while (v == "NULL") v = Value(c);
    return "UPDATE ONLY " + t.name + " SET " + c.name + " = CASE WHEN " + c.name +
           " IS NULL THEN " + v + " ELSE NULL END WHERE " + where;
  }
  *kind = "change a column (text)";
  for (const auto* c : settable)
    if (std::string(kTypes[c->type].sql) == "text")
      return "UPDATE ONLY " + t.name + " SET " + c->name + " = coalesce(" + c->name +
             ", '') || 'x' WHERE " + where;
  *kind = "delete";
  return "DELETE FROM ONLY " + t.name + " WHERE " + where;
}

std::map<std::string, std::string> IndependentDigest(const std::string& uri,
                                                     const std::vector<std::string>& schemas,
                                                     bool with_sequences) {
  auto ci = pg::ConnInfo::Parse(uri);
  if (!ci.ok()) throw std::runtime_error("bad uri");
  auto conn = pg::Connection::Open(*ci);
  if (!conn.ok()) throw std::runtime_error("cannot connect: " + conn.error().message);
  auto& c = *conn;
  // One setting for both sides, so that reg* and other outputs compare.
  if (!c.Run("SET search_path = pg_catalog; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; "
             "SET extra_float_digits = 1; SET IntervalStyle = postgres; SET lc_monetary = 'C'")
           .ok())
    throw std::runtime_error("cannot set up the session");
  std::string list;
  for (const auto& s : schemas) {
    std::string unq = s;
    if (unq.size() > 1 && unq.front() == '"') unq = unq.substr(1, unq.size() - 2);
    list += (list.empty() ? "" : ", ") + std::string("'") + unq + "'";
  }
  std::map<std::string, std::string> out;
  auto rels = c.Exec(
      "SELECT c.oid::regclass::text, c.relkind, "
      "(SELECT coalesce(string_agg(quote_ident(attname), ', ' ORDER BY attname), '') "
      " FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped) "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname IN (" +
      list + ") AND c.relkind IN ('r', 'S', 'm', 'p') ORDER BY 1");
  if (!rels.ok()) throw std::runtime_error("catalog: " + rels.error().message);
  for (int i = 0; i < rels->rows(); ++i) {
    std::string rel(rels->Get(i, 0)), kind(rels->Get(i, 1)), cols(rels->Get(i, 2));
    if (kind == "p") {
      out["table " + rel] = "partitioned";
      continue;
    }
    if (kind == "S") {
      if (!with_sequences) continue;
      auto v = c.QueryValue("SELECT last_value || ' ' || is_called FROM " + rel);
      if (!v.ok()) throw std::runtime_error(v.error().message);
      out["sequence " + rel] = *v;
      continue;
    }
    auto v = c.QueryValue("SELECT count(*) || ' ' || coalesce(sum(('x' || substr(md5(ROW(" + cols +
                          ")::text), 1, 15))::bit(60)::int8), 0) FROM ONLY " + rel);
    if (!v.ok()) throw std::runtime_error(rel + ": " + v.error().message);
    out["table " + rel] = *v;
    // Per column too, so that a difference names its columns.
    auto names = c.Exec("SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = '" + rel +
                        "'::regclass AND attnum > 0 AND NOT attisdropped");
    if (!names.ok()) throw std::runtime_error(rel + ": " + names.error().message);
    for (int j = 0; j < names->rows(); ++j) {
      std::string col(names->Get(j, 0));
      auto cv = c.QueryValue("SELECT coalesce(sum(('x' || substr(md5(coalesce(" + col +
                             "::text, '<null>')), 1, 15))::bit(60)::int8), 0) FROM ONLY " + rel);
      if (!cv.ok()) throw std::runtime_error(rel + "." + col + ": " + cv.error().message);
      out["column " + rel + "." + col] = *cv;
    }
  }
  return out;
}

}  // namespace hk::test
