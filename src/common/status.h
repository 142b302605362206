// Errors as values. A failure is classified once, where it happens (the libpq
// boundary in src/pg/error.cc), into an ErrorKind the rest of the code can
// branch on; everything above only propagates or reports it.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace hk {

enum class ErrorKind {
  kConnection,   ///< Could not connect, or the connection was lost (08xxx, socket errors).
  kRetryable,    ///< Worth retrying: serialization failure, deadlock, too many connections.
  kPermission,   ///< Authentication failed or privilege missing (28xxx, 42501).
  kBadInput,     ///< The user's input is wrong: malformed URL, unknown database, bad option.
  kDataError,    ///< The data was refused: constraint violation, invalid value (22xxx, 23xxx).
  kInternal,     ///< Anything else: a bug, a local I/O failure, a failed subprocess.
  kInterrupted,  ///< The user asked us to stop.
  kBlocked,      ///< A precondition failed and the user must act first; nothing was changed.
};

const char* ErrorKindName(ErrorKind k);

struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;   ///< One sentence for the user; never contains a password.
  std::string sqlstate;  ///< Five characters when the error came from a server, else empty.
  std::string hint;      ///< How to fix it, when we know.
  bool during_connect = false;

  /// Prefixes context ("copying table x: ") to the message.
  Error&& Context(const std::string& what) && {
    message = what + ": " + message;
    return std::move(*this);
  }
};

inline Error MakeError(ErrorKind k, std::string msg, std::string hint = {}) {
  Error e;
  e.kind = k;
  e.message = std::move(msg);
  e.hint = std::move(hint);
  return e;
}

/// A blocker: the command refuses until the user acts (exit code 2 in every command).
inline Error BlockedError(std::string msg, std::string hint) {
  return MakeError(ErrorKind::kBlocked, std::move(msg), std::move(hint));
}

/// OK or an Error. Cheap when OK.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : err_(std::move(e)) {}  // NOLINT(google-explicit-constructor)
  static Status Ok() { return Status(); }
  bool ok() const { return !err_.has_value(); }
  const Error& error() const { return *err_; }
  Error& error() { return *err_; }
  Error TakeError() { return std::move(*err_); }

 private:
  std::optional<Error> err_;
};

/// A value or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::move(v)) {}      // NOLINT(google-explicit-constructor)
  Result(Error e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)
  Result(Status s) : v_(s.TakeError()) {}  // NOLINT: only from a failed Status
  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& value() const& { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }
  Error TakeError() { return std::get<1>(std::move(v_)); }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace hk

#define HK_CONCAT_INNER(a, b) a##b
#define HK_CONCAT(a, b) HK_CONCAT_INNER(a, b)

/// Returns the error of a Status-returning expression.
#define HK_RETURN_IF_ERROR(expr)                    \
  do {                                              \
    ::hk::Status hk_status_ = (expr);               \
    if (!hk_status_.ok()) return hk_status_.TakeError(); \
  } while (0)

/// `HK_ASSIGN_OR_RETURN(auto x, Foo());` declares x from a Result or returns its error.
#define HK_ASSIGN_OR_RETURN(decl, expr) \
  HK_ASSIGN_OR_RETURN_IMPL(HK_CONCAT(hk_result_, __LINE__), decl, expr)
#define HK_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.TakeError();          \
  decl = std::move(tmp).value()
