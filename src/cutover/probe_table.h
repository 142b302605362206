// hikkoshi.cutover_probe: a small table hikkoshi owns on both databases. The
// write probe inserts and deletes a row in it; the drain writes a marker row
// into it on the frozen side and waits for the marker to arrive on the other
// side (which proves every earlier transaction arrived, since changes are
// applied in commit order).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "pg/connection.h"

namespace hk::cutover {

inline constexpr const char* kProbeTable = "hikkoshi.cutover_probe";

/// CREATE SCHEMA/TABLE IF NOT EXISTS (with a primary key, so it replicates).
Status EnsureProbeTable(pg::Connection& c);

/// Inserts and deletes one row, each in its own transaction.
Status WriteProbe(pg::Connection& c);

/// Inserts marker row `token` (kind 'marker'), bypassing the database's
/// read-only default for this one transaction. Returns the transaction's xid
/// (32 bits, as logical decoding shows it).
Result<uint32_t> InsertMarker(pg::Connection& c, const std::string& token, const std::string& note);

/// Whether marker `token` is present.
Result<bool> HasMarker(pg::Connection& c, const std::string& token);

}  // namespace hk::cutover
