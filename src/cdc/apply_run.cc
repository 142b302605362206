#include "cdc/apply_run.h"

#include <fmt/format.h>

#include "pg/quote.h"

namespace hk::cdc {
namespace {

// Tables where a key names at most one row (not FULL, not NOTHING).
bool KeyedTable(const TargetTable& t, std::vector<size_t>& key) {
  if (t.rel.replident != 'd' && t.rel.replident != 'i') return false;
  key.clear();
  for (size_t i = 0; i < t.rel.columns.size(); ++i)
    if (t.rel.columns[i].key) key.push_back(i);
  return !key.empty();
}

bool KeyPresent(const TupleData& tup, const std::vector<size_t>& key) {
  for (size_t i : key)
    if (tup[i].kind != 't') return false;
  return true;
}

// "unnest($1::text[], ...) AS hk_u(c0, ...)"
std::string Unnest(size_t n) {
  std::string args, names;
  for (size_t i = 0; i < n; ++i) {
    args += fmt::format("{}${}::text[]", i ? ", " : "", i + 1);
    names += fmt::format("{}c{}", i ? ", " : "", i);
  }
  return "unnest(" + args + ") AS hk_u(" + names + ")";
}

std::string KeyMatch(const TargetTable& t, const RunShape& s) {
  std::string w;
  for (size_t j = 0; j < s.key.size(); ++j) {
    size_t i = s.key[j];
    w += fmt::format("{}{}.{} = hk_u.c{}::{}", j ? " AND " : "", t.qname,
                     pg::QuoteIdent(t.rel.columns[i].name), j, t.type_sql[i]);
  }
  return w;
}

}  // namespace

bool RunnableUpdate(const TargetTable& t, const UpdateMsg& m, RunShape& shape) {
  // An old key means the key changed: row by row.
  if (m.old_kind != 0 || m.new_tuple.size() != t.rel.columns.size()) return false;
  if (!KeyedTable(t, shape.key) || !KeyPresent(m.new_tuple, shape.key)) return false;
  shape.set.clear();
  for (size_t i = 0; i < m.new_tuple.size(); ++i) {
    if (t.rel.columns[i].key || m.new_tuple[i].kind == 'u') continue;
    if (t.identity_always[i]) return false;  // UPDATE cannot write it
    shape.set.push_back(i);
  }
  return !shape.set.empty();
}

bool RunnableDelete(const TargetTable& t, const DeleteMsg& m, RunShape& shape) {
  if (m.old_tuple.size() != t.rel.columns.size()) return false;
  shape.set.clear();
  return KeyedTable(t, shape.key) && KeyPresent(m.old_tuple, shape.key);
}

std::string RunKey(const TupleData& tup, const std::vector<size_t>& key) {
  std::string k;
  for (size_t i : key) {
    k += std::to_string(tup[i].value.size());
    k += ':';
    k += tup[i].value;
  }
  return k;
}

std::string InsertRunSql(const TargetTable& t) {
  std::string cols, vals;
  for (size_t i = 0; i < t.rel.columns.size(); ++i) {
    cols += (i ? ", " : "") + pg::QuoteIdent(t.rel.columns[i].name);
    vals += fmt::format("{}hk_u.c{}::{}", i ? ", " : "", i, t.type_sql[i]);
  }
  return "INSERT INTO " + t.qname + " (" + cols + ") OVERRIDING SYSTEM VALUE SELECT " + vals +
         " FROM " + Unnest(t.rel.columns.size());
}

std::string UpdateRunSql(const TargetTable& t, const RunShape& s) {
  std::string set;
  for (size_t j = 0; j < s.set.size(); ++j) {
    size_t i = s.set[j];
    set += fmt::format("{}{} = hk_u.c{}::{}", j ? ", " : "", pg::QuoteIdent(t.rel.columns[i].name),
                       s.key.size() + j, t.type_sql[i]);
  }
  return "UPDATE " + t.qname + " SET " + set + " FROM " + Unnest(s.key.size() + s.set.size()) +
         " WHERE " + KeyMatch(t, s);
}

std::string DeleteRunSql(const TargetTable& t, const RunShape& s) {
  return "DELETE FROM " + t.qname + " USING " + Unnest(s.key.size()) + " WHERE " + KeyMatch(t, s);
}

void AppendArrayElement(std::string& a, const TupleColumn& c) {
  a.push_back(a.empty() ? '{' : ',');
  if (c.kind == 'n') {
    a += "NULL";
    return;
  }
  a.push_back('"');
  for (char ch : c.value) {
    if (ch == '"' || ch == '\\') a.push_back('\\');
    a.push_back(ch);
  }
  a.push_back('"');
}

bool ChangeRun::Accepts(char op, uint32_t relid, const std::string& mask,
                        const std::string& key) const {
  if (empty()) return true;
  return op == op_ && relid == relid_ && mask == mask_ && !Full() &&
         (key.empty() || keys_.count(key) == 0);
}

void ChangeRun::Start(char op, uint32_t relid, std::string mask, RunShape shape, size_t ncols) {
  op_ = op;
  relid_ = relid;
  mask_ = std::move(mask);
  shape_ = std::move(shape);
  arrays_.assign(ncols, std::string());
}

void ChangeRun::Add(const TupleData& tup, const std::vector<size_t>& cols, std::string key) {
  for (size_t j = 0; j < cols.size(); ++j) {
    size_t before = arrays_[j].size();
    AppendArrayElement(arrays_[j], tup[cols[j]]);
    bytes_ += arrays_[j].size() - before;
  }
  if (!key.empty()) keys_.insert(std::move(key));
  ++rows_;
}

std::vector<const char*> ChangeRun::Params() {
  std::vector<const char*> p;
  for (auto& a : arrays_) {
    a.push_back('}');
    p.push_back(a.c_str());
  }
  return p;
}

void ChangeRun::Clear() {
  op_ = 0;
  relid_ = 0;
  mask_.clear();
  rows_ = bytes_ = 0;
  arrays_.clear();
  keys_.clear();
}

}  // namespace hk::cdc
