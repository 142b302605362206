#include "cutover/sequences.h"

#include <algorithm>

#include "pg/catalog/relations.h"
#include "pg/quote.h"

namespace hk::cutover {

std::optional<SeqPos> WantedSequencePos(SeqPos from, SeqPos to, int64_t increment, int64_t min,
                                        int64_t max, int64_t gap) {
  using I = __int128;
  const I inc = increment == 0 ? 1 : increment;
  const I sign = inc > 0 ? 1 : -1;
  SeqPos want = from;
  if (from.is_called) {
    I v = static_cast<I>(from.last_value) + sign * static_cast<I>(gap);
    v = std::clamp<I>(v, min, max);
    want.last_value = static_cast<int64_t>(v);
  }
  // The next value each would hand out; never move `to` backwards.
  auto next = [&](SeqPos p) { return static_cast<I>(p.last_value) + (p.is_called ? inc : 0); };
  if (sign * next(want) <= sign * next(to)) return std::nullopt;
  return want;
}

Result<SequenceSync> CopySequences(pg::Connection& from, pg::Connection& to, int64_t gap) {
  SequenceSync out;
  HK_ASSIGN_OR_RETURN(auto seqs, pg::catalog::ListSequences(from));
  for (const auto& seq : seqs) {
    std::string name = seq.Qualified();
    // The relation itself, not pg_sequence_last_value(): that is NULL for a
    // sequence restarted but not called yet, whose position still matters.
    HK_ASSIGN_OR_RETURN(auto s, from.Exec("SELECT last_value, is_called FROM " + name));
    SeqPos src{s.Int(0, 0), s.Bool(0, 1)};
    HK_ASSIGN_OR_RETURN(auto t, to.Exec("SELECT s.seqincrement, s.seqmin, s.seqmax "
                                        "FROM pg_sequence s WHERE s.seqrelid = to_regclass($1)",
                                        {name}));
    if (t.rows() == 0) {
      out.missing.push_back(name);
      continue;
    }
    HK_ASSIGN_OR_RETURN(auto cur, to.Exec("SELECT last_value, is_called FROM " + name));
    SeqPos dst{cur.Int(0, 0), cur.Bool(0, 1)};
    auto want = WantedSequencePos(src, dst, t.Int(0, 0), t.Int(0, 1), t.Int(0, 2), gap);
    if (!want) {
      ++(src.is_called ? out.already_ahead : out.never_used);
      continue;
    }
    auto st = to.Run("SELECT setval($1::regclass, $2::bigint, $3::bool)",
                     {name, std::to_string(want->last_value), want->is_called ? "true" : "false"});
    if (!st.ok()) return std::move(st.TakeError()).Context("setting sequence " + name);
    ++out.copied;
  }
  return out;
}

}  // namespace hk::cutover
