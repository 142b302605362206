// Set-based apply: a run of consecutive changes of one kind into one table
// is sent as one statement over arrays of values (one text[] parameter per
// column), instead of one statement per row.
//
//   INSERT: INSERT INTO t (...) SELECT hk_u.c0::type, ... FROM unnest($1::text[], ...)
//   UPDATE: UPDATE t SET a = hk_u.c1::type FROM unnest(...) WHERE t.id = hk_u.c0::type
//   DELETE: DELETE FROM t USING unnest(...) WHERE t.id = hk_u.c0::type
//
// UPDATE and DELETE runs are used only where one key names at most one row
// (a primary key or replica identity index, not REPLICA IDENTITY FULL), with
// the key unchanged (no old key in the message), and the run stops before a
// key it already holds, so no row is written twice by one statement and the
// order of changes to any row is kept. All rows of an UPDATE run set the same
// columns: unchanged TOAST values ('u') are left out of SET, and a different
// set of them starts a new run. One statement may update its rows in any
// order, so tables with another unique index or exclusion constraint on the
// target (over a non-key column, an expression or with a predicate) keep
// UPDATEs row by row: a value moving from one row to another must not
// collide. Everything else takes the row-by-row path.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "cdc/pgoutput.h"
#include "cdc/target_table.h"

namespace hk::cdc {

/// Rows per statement and bytes of array text per statement, at most.
inline constexpr size_t kRunMaxRows = 2000;
inline constexpr size_t kRunMaxBytes = 4 << 20;

/// Which columns of a table an UPDATE/DELETE run carries, in parameter order:
/// the key columns first, then (UPDATE) the columns it sets.
struct RunShape {
  std::vector<size_t> key;  ///< Column indexes of the replica identity.
  std::vector<size_t> set;  ///< UPDATE: non-key columns with a new value.
};

/// The shape of an UPDATE (new tuple) or DELETE (old key) that may join a
/// run, or false when it must take the row-by-row path.
bool RunnableUpdate(const TargetTable& t, const UpdateMsg& m, RunShape& shape);
bool RunnableDelete(const TargetTable& t, const DeleteMsg& m, RunShape& shape);

/// The key of a row as one string (for "already in this run").
std::string RunKey(const TupleData& tup, const std::vector<size_t>& key);

/// Statement text for a run; parameters are text[] in the order of the shape.
std::string InsertRunSql(const TargetTable& t);
std::string UpdateRunSql(const TargetTable& t, const RunShape& shape);
std::string DeleteRunSql(const TargetTable& t, const RunShape& shape);

/// Appends value (or NULL) as an element of a text[] literal under way.
void AppendArrayElement(std::string& array, const TupleColumn& c);

/// The buffered run: op 'I', 'U' or 'D' into relid, rows as array literals.
class ChangeRun {
 public:
  bool empty() const { return rows_ == 0; }
  size_t rows() const { return rows_; }
  char op() const { return op_; }
  uint32_t relid() const { return relid_; }
  const std::string& mask() const { return mask_; }
  const RunShape& shape() const { return shape_; }
  /// True when a change with this op/table/mask and key may be added.
  bool Accepts(char op, uint32_t relid, const std::string& mask, const std::string& key) const;
  /// Starts a run (the buffer must be empty).
  void Start(char op, uint32_t relid, std::string mask, RunShape shape, size_t ncols);
  /// Adds a row: columns `cols` of tup, in order; key "" for INSERT.
  void Add(const TupleData& tup, const std::vector<size_t>& cols, std::string key);
  bool Full() const { return rows_ >= kRunMaxRows || bytes_ >= kRunMaxBytes; }
  /// The text[] parameters ("{...}"), valid until the next Add/Clear.
  std::vector<const char*> Params();
  void Clear();

 private:
  char op_ = 0;
  uint32_t relid_ = 0;
  std::string mask_;
  RunShape shape_;
  size_t rows_ = 0, bytes_ = 0;
  std::vector<std::string> arrays_;
  std::unordered_set<std::string> keys_;
};

}  // namespace hk::cdc
