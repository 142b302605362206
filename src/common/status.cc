#include "common/status.h"

namespace hk {

const char* ErrorKindName(ErrorKind k) {
  switch (k) {
    case ErrorKind::kConnection: return "connection";
    case ErrorKind::kRetryable: return "retryable";
    case ErrorKind::kPermission: return "permission";
    case ErrorKind::kBadInput: return "bad_input";
    case ErrorKind::kDataError: return "data_error";
    case ErrorKind::kInternal: return "internal";
    case ErrorKind::kInterrupted: return "interrupted";
    case ErrorKind::kBlocked: return "blocked";
  }
  return "internal";
}

}  // namespace hk
