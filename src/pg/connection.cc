#include "pg/connection.h"

#include "common/secrets.h"
#include "pg/error.h"
#include "pg/stall_watchdog.h"

namespace hk::pg {

Result<Connection> Connection::Open(const ConnInfo& info, const ConnectOptions& opts) {
  std::vector<std::string> keys, vals;
  for (const auto& [k, v] : info.params()) {
    keys.push_back(k);
    vals.push_back(v);
  }
  auto add_default = [&](const std::string& k, const std::string& v) {
    if (info.params().count(k) == 0) {
      keys.push_back(k);
      vals.push_back(v);
    }
  };
  add_default("application_name", opts.application_name);
  if (info.Effective("connect_timeout").empty())
    add_default("connect_timeout", std::to_string(opts.connect_timeout_s));
  // A dead peer is noticed by the kernel within about a minute rather than
  // hours (#14); an explicit setting in the connection string wins.
  add_default("keepalives", "1");
  add_default("keepalives_idle", "15");
  add_default("keepalives_interval", "5");
  add_default("keepalives_count", "4");
  add_default("tcp_user_timeout", "120000");
  if (opts.replication) {
    // Replace rather than default: a logical walsender needs "database".
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == "replication") vals[i] = "database";
    add_default("replication", "database");
  }
  std::vector<const char*> k, v;
  for (size_t i = 0; i < keys.size(); ++i) {
    k.push_back(keys[i].c_str());
    v.push_back(vals[i].c_str());
  }
  k.push_back(nullptr);
  v.push_back(nullptr);

  Connection c;
  c.redacted_ = info.Redacted();
  c.info_ = std::make_shared<const ConnInfo>(info);
  c.conn_.reset(PQconnectdbParams(k.data(), v.data(), 0));
  if (!c.conn_ || PQstatus(c.conn_.get()) != CONNECTION_OK) {
    return ErrorFromConnect(c.conn_.get(), c.redacted_);
  }
  // A password that came from PGPASSWORD or .pgpass is a secret too.
  if (const char* pw = PQpass(c.conn_.get())) RegisterSecret(pw);
  return c;
}

Result<QueryResult> Connection::Check(PGresult* r) {
  QueryResult res(r);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  switch (st) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_COPY_OUT:
    case PGRES_COPY_IN:
    case PGRES_COPY_BOTH:
    case PGRES_EMPTY_QUERY:
    case PGRES_SINGLE_TUPLE:
      return res;
    default:
      return ErrorFromResult(r, conn_.get());
  }
}

Result<QueryResult> Connection::Exec(std::string_view sql) {
  std::string s(sql);
  StallGuard guard(*this);
  return Check(PQexec(conn_.get(), s.c_str()));
}

Result<QueryResult> Connection::Exec(std::string_view sql, const std::vector<Param>& params) {
  std::string s(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  StallGuard guard(*this);
  return Check(PQexecParams(conn_.get(), s.c_str(), static_cast<int>(params.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
}

Status Connection::Run(std::string_view sql) {
  auto r = Exec(sql);
  if (!r.ok()) return r.TakeError();
  return Status::Ok();
}

Status Connection::Run(std::string_view sql, const std::vector<Param>& params) {
  auto r = Exec(sql, params);
  if (!r.ok()) return r.TakeError();
  return Status::Ok();
}

Result<std::string> Connection::QueryValue(std::string_view sql, const std::vector<Param>& params) {
  HK_ASSIGN_OR_RETURN(QueryResult r, Exec(sql, params));
  if (r.rows() < 1 || r.cols() < 1)
    return MakeError(ErrorKind::kInternal, "query returned no rows: " + std::string(sql.substr(0, 80)));
  return r.Str(0, 0);
}

void Connection::Cancel() const {
  if (!conn_) return;
  PGcancel* c = PQgetCancel(conn_.get());
  if (!c) return;
  char buf[256];
  PQcancel(c, buf, sizeof buf);
  PQfreeCancel(c);
}

Result<Transaction> Transaction::Begin(Connection& c, std::string_view begin_sql) {
  HK_RETURN_IF_ERROR(c.Run(begin_sql));
  return Transaction(&c);
}

Transaction::~Transaction() {
  if (!c_ || !c_->Healthy()) return;
  StallGuard guard(*c_);  // a rollback on a stalled path must not hang either
  PQclear(PQexec(c_->raw(), "ROLLBACK"));
}

Status Transaction::Commit() {
  Connection* c = c_;
  c_ = nullptr;
  HK_ASSIGN_OR_RETURN(QueryResult r, c->Exec("COMMIT"));
  // COMMIT of a transaction that already failed answers ROLLBACK, not an error.
  if (std::string_view(PQcmdStatus(r.raw())) == "ROLLBACK")
    return MakeError(ErrorKind::kInternal, "the transaction was rolled back by the server");
  return Status::Ok();
}

}  // namespace hk::pg
