// `hikkoshi check`: connect to both servers, gather facts, apply the rules.
#pragma once

#include <string>

#include "check/report.h"
#include "common/status.h"
#include "pg/conninfo.h"

namespace hk::check {

struct CheckOptions {
  pg::ConnInfo source, target;
  bool drop_if_exists = false;
};

/// Returns the report, or the connection error that prevented one.
Result<Report> RunCheck(const CheckOptions& opts);

}  // namespace hk::check
