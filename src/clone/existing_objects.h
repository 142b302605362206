// Resuming post-data: which of the schema dump's post-data TOC entries an
// earlier, killed clone already restored on the target. Each post-data entry
// runs in a transaction of its own, so an object either exists whole or not
// at all; the resumed restore skips the existing ones instead of dropping
// and recreating them (pg_restore --clean cannot drop a partition's key that
// is attached to its parent's: "cannot drop inherited constraint").
#pragma once

#include <set>
#include <string>

#include "clone/schema.h"
#include "common/status.h"
#include "pg/connection.h"

namespace hk::clone {

/// "DESC schema tag" of every post-data kind of object the target has, spelt
/// as `pg_restore -l` spells it (newlines as spaces, "-" for no schema):
/// "INDEX public t_a_idx", "INDEX ATTACH public p1_pkey",
/// "CONSTRAINT public t t_pkey", "TRIGGER public t audit", ...
Result<std::set<std::string>> ExistingPostDataObjects(pg::Connection& target);

/// True when the TOC entry names one of `existing` ("rest" is "DESC schema
/// tag owner"; tags and owners may hold spaces, so every prefix ending
/// before a space is tried).
bool TocEntryExists(const TocEntry& e, const std::set<std::string>& existing);

}  // namespace hk::clone
