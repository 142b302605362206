// Owner of one PGresult. Move-only; PQclear runs exactly once.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hk::pg {

class QueryResult {
 public:
  QueryResult() = default;
  explicit QueryResult(PGresult* r) : res_(r) {}
  QueryResult(QueryResult&&) noexcept = default;
  QueryResult& operator=(QueryResult&&) noexcept = default;
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;

  int rows() const { return res_ ? PQntuples(res_.get()) : 0; }
  int cols() const { return res_ ? PQnfields(res_.get()) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(res_.get(), row, col); }
  /// The value's text; "" for NULL. Valid while this result lives.
  std::string_view Get(int row, int col) const {
    return {PQgetvalue(res_.get(), row, col),
            static_cast<size_t>(PQgetlength(res_.get(), row, col))};
  }
  std::string Str(int row, int col) const { return std::string(Get(row, col)); }
  std::optional<std::string> Opt(int row, int col) const {
    if (IsNull(row, col)) return std::nullopt;
    return Str(row, col);
  }
  int64_t Int(int row, int col, int64_t if_null = 0) const;
  double Double(int row, int col) const;
  bool Bool(int row, int col) const { return !IsNull(row, col) && Get(row, col) == "t"; }
  int Col(const char* name) const { return PQfnumber(res_.get(), name); }
  std::string ColName(int col) const { return PQfname(res_.get(), col); }
  PGresult* raw() const { return res_.get(); }

 private:
  struct Deleter {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Deleter> res_;
};

}  // namespace hk::pg
