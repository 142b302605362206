#include "cdc/pipeline.h"

#include <cstdlib>

#include "pg/error.h"

namespace hk::cdc {
namespace {

Error LibpqError(PGconn* c, const std::string& what) {
  Error e = pg::ErrorFromResult(nullptr, c);
  return std::move(e).Context(what);
}

}  // namespace

Result<Pipeline> Pipeline::Enter(PGconn* conn) {
  if (PQenterPipelineMode(conn) != 1) return LibpqError(conn, "entering pipeline mode");
  Pipeline p;
  p.conn_ = conn;
  return p;
}

Status Pipeline::Sent(int ok, Tag tag) {
  if (ok != 1) return LibpqError(conn_, "sending " + tag.what);
  pending_.push_back(std::move(tag));
  return Status::Ok();
}

Status Pipeline::Query(const std::string& sql, const std::vector<const char*>& params, Tag tag) {
  return Sent(PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                                params.data(), nullptr, nullptr, 0),
              std::move(tag));
}

Status Pipeline::Prepare(const std::string& name, const std::string& sql, int nparams, Tag tag) {
  return Sent(PQsendPrepare(conn_, name.c_str(), sql.c_str(), nparams, nullptr), std::move(tag));
}

Status Pipeline::ExecPrepared(const std::string& name, const std::vector<const char*>& params, Tag tag) {
  return Sent(PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(params.size()), params.data(),
                                  nullptr, nullptr, 0),
              std::move(tag));
}

Status Pipeline::Sync() {
  if (PQpipelineSync(conn_) != 1) return LibpqError(conn_, "sending a pipeline sync");
  std::optional<Error> first;
  while (true) {
    PGresult* r = PQgetResult(conn_);
    if (!r) {
      if (PQstatus(conn_) == CONNECTION_BAD) {
        pending_.clear();
        return first ? *first : LibpqError(conn_, "reading applied results");
      }
      continue;  // end of one statement's results
    }
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      break;
    }
    Tag tag;
    if (!pending_.empty()) {
      tag = std::move(pending_.front());
      pending_.pop_front();
    }
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      if (tag.expect_row) {
        const char* n = PQcmdTuples(r);
        if (n && std::atoll(n) == 0) {
          ++not_found_;
          last_not_found_ = tag.what;
        }
      }
      if (tag.is_commit && std::string_view(PQcmdStatus(r)) == "ROLLBACK" && !first)
        first = MakeError(ErrorKind::kInternal, "the target rolled back an applied batch");
    } else if (st != PGRES_PIPELINE_ABORTED && !first) {
      first = std::move(pg::ErrorFromResult(r, conn_)).Context("applying " + tag.what);
    }
    PQclear(r);
  }
  pending_.clear();
  if (first) return *first;
  return Status::Ok();
}

Status Pipeline::Pause() {
  HK_RETURN_IF_ERROR(Sync());
  if (PQexitPipelineMode(conn_) != 1) return LibpqError(conn_, "leaving pipeline mode");
  return Status::Ok();
}

Status Pipeline::Resume() {
  if (PQenterPipelineMode(conn_) != 1) return LibpqError(conn_, "entering pipeline mode");
  return Status::Ok();
}

}  // namespace hk::cdc
