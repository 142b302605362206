#include "cutover/sequences.h"

#include "pg/quote.h"

namespace hk::cutover {

Result<SequenceSync> CopySequences(pg::Connection& from, pg::Connection& to, int64_t gap) {
  SequenceSync out;
  // pg_sequence_last_value() is NULL until nextval was first called.
  HK_ASSIGN_OR_RETURN(auto r,
                      from.Exec("SELECT n.nspname, c.relname, pg_sequence_last_value(c.oid)::text "
                                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                "WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', "
                                "'information_schema', 'hikkoshi') ORDER BY 1, 2"));
  for (int i = 0; i < r.rows(); ++i) {
    if (r.IsNull(i, 2)) {
      ++out.never_used;
      continue;
    }
    std::string name = pg::QualifiedName(r.Get(i, 0), r.Get(i, 1));
    auto st = to.Run(
        "SELECT setval(c.oid, CASE WHEN s.seqincrement > 0 "
        "THEN LEAST(s.seqmax, $2::numeric + $3::numeric) ELSE GREATEST(s.seqmin, $2::numeric - "
        "$3::numeric) END::bigint, "
        "true) FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.oid = $1::regclass",
        {name, r.Str(i, 2), std::to_string(gap)});
    if (!st.ok()) return std::move(st.TakeError()).Context("setting sequence " + name);
    ++out.copied;
  }
  return out;
}

}  // namespace hk::cutover
