// WAL positions (LSNs) as PostgreSQL prints them: "16/B374D848".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hk::cdc {

using Lsn = uint64_t;

/// "X/Y" with upper-case hex, as pg_lsn prints it.
std::string FormatLsn(Lsn lsn);

/// Parses "X/Y"; nullopt when malformed.
std::optional<Lsn> ParseLsn(std::string_view text);

/// Microseconds since 2000-01-01 (PostgreSQL's epoch) for "now".
int64_t PgEpochMicrosNow();

/// Unix microseconds of a PostgreSQL-epoch timestamp.
inline int64_t PgEpochToUnixMicros(int64_t pg_us) { return pg_us + 946684800LL * 1000000LL; }

}  // namespace hk::cdc
