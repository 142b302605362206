// The libpq boundary: every libpq failure becomes an hk::Error here, once.
#pragma once

#include <libpq-fe.h>

#include <string>
#include <string_view>

#include "common/exit_codes.h"
#include "common/status.h"

namespace hk::pg {

/// Maps a five-character SQLSTATE to the kind the rest of the code branches on.
ErrorKind ClassifySqlstate(std::string_view sqlstate);

/// An error from a failed command (result may be null when the connection broke).
Error ErrorFromResult(const PGresult* res, const PGconn* conn);

/// An error from a failed connection attempt, as one sentence naming the
/// server (redacted) and what to do about it.
Error ErrorFromConnect(const PGconn* conn, const std::string& redacted_target);

/// Classifies a libpq connection-failure message (no SQLSTATE is available
/// for most of them). Exposed for unit tests.
Error ClassifyConnectMessage(std::string_view libpq_message, const std::string& redacted_target);

/// The process exit code for an error that ends a command.
ExitCode ExitCodeFor(const Error& e);

/// "message (hint)" for printing.
std::string Describe(const Error& e);

}  // namespace hk::pg
