// Schema via the reference implementation: pg_dump --schema-only at the
// clone's snapshot into WORKDIR/schema.dump, its table of contents parsed
// for OIDs, pre-data restored before the data and post-data after it.
#pragma once

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "clone/clone.h"
#include "common/status.h"
#include "pg/connection.h"

namespace hk::clone {

/// One line of `pg_restore -l`: "215; 1259 16390 TABLE public users owner".
struct TocEntry {
  int64_t dump_id = 0;
  int64_t catalog_oid = 0;  ///< 1259 pg_class, 2606 pg_constraint, ...
  int64_t object_oid = 0;
  std::string rest;         ///< "TABLE public users owner"
  std::string line;         ///< The whole line, for -L use-lists.
  bool Is(std::string_view desc) const;
};

/// Parses `pg_restore -l` output (comment lines skipped). Exposed for tests.
std::vector<TocEntry> ParseToc(const std::string& text);

class SchemaFiles {
 public:
  explicit SchemaFiles(std::string workdir) : dir_(std::move(workdir)) {}

  /// pg_dump --schema-only --snapshot into schema.dump, then reads its TOC.
  Status Dump(const CloneOptions& o, const std::string& snapshot, const std::atomic<bool>* stop);
  /// Reads the TOC of an existing schema.dump (after a resume).
  Status LoadToc(const pg::ConnInfo& any, const std::atomic<bool>* stop);
  const std::vector<TocEntry>& toc() const { return toc_; }

  /// Pre-data in one transaction (all or nothing). clean: drop what an
  /// earlier, interrupted run may have committed first.
  Status RestorePreData(const CloneOptions& o, bool clean, const std::atomic<bool>* stop);
  /// Post-data (FKs, triggers, partitioned indexes, policies, ...) minus the
  /// TOC entries whose object OIDs are in `skip` (built by hikkoshi itself)
  /// and, when resuming, minus those `existing` on the target already
  /// (ExistingPostDataObjects): never --clean, which cannot drop a
  /// partition's key attached to its parent's.
  Status RestorePostData(const CloneOptions& o, const std::set<int64_t>& skip,
                         const std::set<std::string>* existing, const std::atomic<bool>* stop);

  /// OIDs of the TOC's TABLE entries (pg_class OIDs on the source).
  std::vector<int64_t> TableOids() const;
  /// Materialized views in dependency order (pg_dump sorts its TOC so).
  std::vector<int64_t> MatviewOids() const;

 private:
  std::string Path(const std::string& f) const { return dir_ + "/" + f; }
  Status WriteList(const std::string& file, const std::set<int64_t>& skip_oids,
                   const std::set<std::string>* existing = nullptr) const;
  std::string dir_;
  std::vector<TocEntry> toc_;
};

/// Describes what a non-empty target holds ("3 tables, 1 schema"), or "" when empty.
Result<std::string> DescribeTargetContents(pg::Connection& target);

/// Drops every user schema, extension and large object on the target and
/// recreates an empty public schema (--drop-if-exists).
Status DropTargetContents(pg::Connection& target);

}  // namespace hk::clone
