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

Status Pipeline::SyncNoWait(uint64_t cookie) {
  if (PQpipelineSync(conn_) != 1) return LibpqError(conn_, "sending a pipeline sync");
  Tag t;
  t.is_sync = true;
  t.cookie = cookie;
  pending_.push_back(std::move(t));
  ++syncs_pending_;
  return Status::Ok();
}

Status Pipeline::Sync() {
  HK_RETURN_IF_ERROR(SyncNoWait(0));
  return Drain(true);
}

void Pipeline::Take(PGresult* r) {
  ExecStatusType st = PQresultStatus(r);
  Tag tag;
  if (!pending_.empty()) {
    tag = std::move(pending_.front());
    pending_.pop_front();
  }
  if (st == PGRES_PIPELINE_SYNC) {
    if (syncs_pending_ > 0) --syncs_pending_;
    if (!error_ && tag.is_sync && tag.cookie > completed_) completed_ = tag.cookie;
  } else if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    if (tag.expect_row) {
      const char* n = PQcmdTuples(r);
      int64_t changed = n ? std::atoll(n) : tag.rows;
      if (changed < tag.rows) {
        not_found_ += tag.rows - changed;
        last_not_found_ = tag.what;
      }
    }
    if (tag.is_commit && std::string_view(PQcmdStatus(r)) == "ROLLBACK" && !error_)
      error_ = MakeError(ErrorKind::kInternal, "the target rolled back an applied batch");
  } else if (st != PGRES_PIPELINE_ABORTED && !error_) {
    error_ = std::move(pg::ErrorFromResult(r, conn_)).Context("applying " + tag.what);
  }
  PQclear(r);
}

Status Pipeline::Drain(bool block) {
  int nulls = 0;
  while (syncs_pending_ > 0 || (!block && !pending_.empty())) {
    if (!block) {
      if (PQconsumeInput(conn_) == 0) {
        if (!error_) error_ = LibpqError(conn_, "reading applied results");
        break;
      }
      if (PQisBusy(conn_)) break;
    }
    PGresult* r = PQgetResult(conn_);
    if (!r) {
      if (PQstatus(conn_) == CONNECTION_BAD) {
        if (!error_) error_ = LibpqError(conn_, "reading applied results");
        pending_.clear();
        syncs_pending_ = 0;
        break;
      }
      // End of one statement's results; stop when nothing is left to read.
      if (pending_.empty()) break;
      if (++nulls > 2) {  // libpq has nothing queued: our bookkeeping is off
        if (!error_) error_ = MakeError(ErrorKind::kInternal, "pipeline results out of step");
        break;
      }
      continue;
    }
    nulls = 0;
    Take(r);
  }
  if (error_) return *error_;
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
