// `hikkoshi clone --follow` (and the clone stage of `hikkoshi migrate`): the slot's exported snapshot is the clone's
// snapshot, so change capture starts exactly where the copy ends — no gap,
// no overlap — and following begins as soon as the copy is done.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "clone/clone.h"
#include "common/status.h"

namespace hk::pipeline {

struct CloneFollowOptions {
  clone::CloneOptions clone;
  /// Tables copied but not followed (their later changes are not applied).
  std::vector<std::string> copy_only_tables;
  bool replica_identity_full = false;
  bool until_caught_up = false;  ///< Stop following once caught up (scripts, demo).
  std::atomic<bool>* stop = nullptr;
};

/// Sets up publication + slot, clones at the slot's snapshot, then follows
/// until *stop (Ctrl-C) or, with until_caught_up, until the target has
/// applied everything the source had written when following began.
Status RunCloneFollow(CloneFollowOptions opts);

/// psql/pg_dump-style table patterns ("public.audit_*", "\"Odd\".t?") as an
/// anchored POSIX regex over schema and name; unqualified patterns match the
/// name in any schema. Exposed for unit tests.
struct TablePattern {
  std::string schema_regex;  ///< "" = any schema
  std::string name_regex;
};
TablePattern ParseTablePattern(const std::string& pattern);

}  // namespace hk::pipeline
