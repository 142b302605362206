// The one place where hikkoshi's process exit codes are defined.
// docs/errors.md and the README mirror this table; keep them in step.
#pragma once

namespace hk {

enum ExitCode : int {
  kExitOk = 0,             ///< Everything passed / identical / done.
  kExitWarnings = 1,       ///< check: warnings only. verify: differences found.
  kExitBlocked = 2,        ///< A blocker: a precondition failed, nothing was changed.
  kExitUsage = 3,          ///< Bad arguments, malformed URL or config file.
  kExitUnreachable = 4,    ///< A server could not be reached (host, port, timeout).
  kExitAuth = 5,           ///< Authentication (password, TLS) failed or a privilege is missing.
  kExitNoDatabase = 6,     ///< The named database does not exist.
  kExitDbError = 7,        ///< A statement failed on a server mid-run.
  kExitConnectionLost = 8, ///< A connection dropped mid-run; rerun (with --resume) to continue.
  kExitInternal = 10,      ///< A bug or a local failure (disk, corrupt state file, subprocess).
  kExitInterrupted = 130,  ///< Stopped by Ctrl-C / SIGTERM; state is resumable.
};

}  // namespace hk
