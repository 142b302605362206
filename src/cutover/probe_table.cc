#include "cutover/probe_table.h"

#include "cdc/follow_state.h"

namespace hk::cutover {

Status EnsureProbeTable(pg::Connection& c) {
  return c.Run(
      "BEGIN READ WRITE; "
      "CREATE SCHEMA IF NOT EXISTS hikkoshi; "
      "CREATE TABLE IF NOT EXISTS hikkoshi.cutover_probe ("
      " token text PRIMARY KEY, kind text NOT NULL, note text, at timestamptz NOT NULL DEFAULT "
      "now()); "
      // A publication by table list (no superuser, #12) does not take new
      // tables in by itself: add the probe table in the same transaction, so
      // follow never sees it unpublished and the markers reach the stream.
      "DO $hk$ BEGIN "
      " IF EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'hikkoshi_pub' AND NOT "
      "puballtables) AND NOT EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p "
      "ON p.oid = pr.prpubid WHERE p.pubname = 'hikkoshi_pub' AND pr.prrelid = "
      "'hikkoshi.cutover_probe'::regclass) THEN "
      "  ALTER PUBLICATION hikkoshi_pub ADD TABLE hikkoshi.cutover_probe; "
      " END IF; END $hk$; "
      "COMMIT");
}

Status WriteProbe(pg::Connection& c) {
  std::string token = "probe-" + cdc::NewFollowId();
  HK_RETURN_IF_ERROR(c.Run(
      "INSERT INTO hikkoshi.cutover_probe (token, kind) VALUES ($1, 'write-probe')", {token}));
  return c.Run("DELETE FROM hikkoshi.cutover_probe WHERE token = $1", {token});
}

Result<uint32_t> InsertMarker(pg::Connection& c, const std::string& token,
                              const std::string& note) {
  HK_RETURN_IF_ERROR(c.Run("BEGIN READ WRITE"));
  auto st = c.QueryValue(
      "INSERT INTO hikkoshi.cutover_probe (token, kind, note) VALUES ($1, 'marker', $2) "
      "RETURNING (pg_current_xact_id()::text::numeric % 4294967296)::text",
      {token, note});
  if (!st.ok()) {
    (void)c.Run("ROLLBACK");
    return st.TakeError();
  }
  HK_RETURN_IF_ERROR(c.Run("COMMIT"));
  return static_cast<uint32_t>(std::stoull(*st));
}

Result<bool> HasMarker(pg::Connection& c, const std::string& token) {
  auto r = c.Exec("SELECT 1 FROM hikkoshi.cutover_probe WHERE token = $1", {token});
  if (!r.ok()) return r.TakeError();
  return r->rows() > 0;
}

}  // namespace hk::cutover
