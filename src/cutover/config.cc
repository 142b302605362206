#include "cutover/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <set>

namespace hk::cutover {

namespace {

struct Reader {
  std::string origin;
  std::optional<Error> err;

  void Fail(const std::string& key, const std::string& what, const toml::node* at = nullptr) {
    std::string where = origin;
    if (at && at->source().begin.line > 0)
      where += " line " + std::to_string(at->source().begin.line);
    if (!err)
      err = MakeError(ErrorKind::kBadInput, where + ": " + key + " " + what,
                      "fix it; docs/cutover.md shows every key of [cutover] with an example");
  }
  void Str(const toml::table& t, const char* k, const std::string& path, std::string& out) {
    if (auto n = t.get(k)) {
      if (auto s = n->value<std::string>())
        out = *s;
      else
        Fail(path + k, "must be a string", n);
    }
  }
  void Bool(const toml::table& t, const char* k, const std::string& path, bool& out) {
    if (auto n = t.get(k)) {
      if (auto b = n->value<bool>())
        out = *b;
      else
        Fail(path + k, "must be true or false", n);
    }
  }
  void Int(const toml::table& t, const char* k, const std::string& path, int64_t& out) {
    if (auto n = t.get(k)) {
      if (auto i = n->value<int64_t>())
        out = *i;
      else
        Fail(path + k, "must be an integer", n);
    }
  }
  void Dbl(const toml::table& t, const char* k, const std::string& path, double& out) {
    if (auto n = t.get(k)) {
      if (auto d = n->value<double>())
        out = *d;
      else
        Fail(path + k, "must be a number", n);
    }
  }
  void Dur(const toml::table& t, const char* k, const std::string& path, int64_t& out_ms) {
    auto n = t.get(k);
    if (!n) return;
    if (auto i = n->value<int64_t>(); i && n->is_integer()) {
      if (*i < 0 || *i > kMaxDurationMs / 1000)
        Fail(path + k, "is out of range (0 to 7 days)", n);
      else
        out_ms = *i * 1000;
    } else if (auto s = n->value<std::string>()) {
      auto ms = ParseDuration(*s, "");
      if (!ms.ok())
        Fail(path + k, "is not a duration (write \"500ms\", \"30s\" or \"2m\", at most 7d)", n);
      else
        out_ms = *ms;
    } else {
      Fail(path + k, "must be a duration such as \"30s\"", n);
    }
  }
  void StrList(const toml::table& t, const char* k, const std::string& path,
               std::vector<std::string>& out) {
    auto n = t.get(k);
    if (!n) return;
    auto* arr = n->as_array();
    if (!arr) return Fail(path + k, "must be a list of strings", n);
    for (auto& e : *arr) {
      if (auto s = e.value<std::string>())
        out.push_back(*s);
      else
        return Fail(path + k, "must be a list of strings", n);
    }
  }
  void Known(const toml::table& t, const std::string& path, std::set<std::string> keys) {
    for (auto& [k, v] : t) {
      if (!keys.count(std::string(k.str())))
        Fail(path + std::string(k.str()), "is not a known key", &v);
    }
  }
};

}  // namespace

Result<CutoverConfig> ParseCutoverConfig(std::string_view text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return MakeError(ErrorKind::kBadInput,
                     origin + " is not valid TOML at line " +
                         std::to_string(e.source().begin.line) + ": " +
                         std::string(e.description()),
                     "fix the file; docs/cutover.md shows every key");
  }
  CutoverConfig c;
  auto* cut = root.get_as<toml::table>("cutover");
  if (!cut) return c;
  Reader r{origin, std::nullopt};
  const std::string p = "cutover.";
  r.Known(*cut, p,
          {"freeze", "app_roles", "app_names", "terminate_superusers", "max_freeze",
           "max_lag_bytes", "max_lag_seconds", "sequence_gap", "verify", "backup_check", "env_file",
           "hooks", "health", "pgbouncer"});
  r.Str(*cut, "freeze", p, c.freeze);
  if (c.freeze != "readonly" && c.freeze != "pgbouncer")
    r.Fail(p + "freeze", "must be \"readonly\" or \"pgbouncer\"");
  r.StrList(*cut, "app_roles", p, c.app_roles);
  r.StrList(*cut, "app_names", p, c.app_names);
  r.Bool(*cut, "terminate_superusers", p, c.terminate_superusers);
  r.Dur(*cut, "max_freeze", p, c.max_freeze_ms);
  r.Int(*cut, "max_lag_bytes", p, c.max_lag_bytes);
  r.Dbl(*cut, "max_lag_seconds", p, c.max_lag_seconds);
  r.Int(*cut, "sequence_gap", p, c.sequence_gap);
  r.Str(*cut, "verify", p, c.verify);
  if (c.verify != "counts" && c.verify != "none")
    r.Fail(p + "verify", "must be \"counts\" or \"none\"");
  r.Str(*cut, "backup_check", p, c.backup_check);

  if (auto* env = cut->get_as<toml::table>("env_file")) {
    const std::string q = p + "env_file.";
    r.Known(*env, q, {"path", "variable", "target_value"});
    r.Str(*env, "path", q, c.env_path);
    r.Str(*env, "variable", q, c.env_variable);
    r.Str(*env, "target_value", q, c.env_target_value);
    if (c.env_path.empty()) r.Fail(q + "path", "is required when [cutover.env_file] is present");
  }
  if (auto* pb = cut->get_as<toml::table>("pgbouncer")) {
    const std::string q = p + "pgbouncer.";
    r.Known(*pb, q, {"admin_url", "database", "ini_path", "target_entry"});
    r.Str(*pb, "admin_url", q, c.pgb_admin_url);
    r.Str(*pb, "database", q, c.pgb_database);
    r.Str(*pb, "ini_path", q, c.pgb_ini_path);
    r.Str(*pb, "target_entry", q, c.pgb_target_entry);
  }
  if (c.freeze == "pgbouncer") {
    for (auto [key, val] :
         {std::pair{"admin_url", &c.pgb_admin_url}, std::pair{"database", &c.pgb_database},
          std::pair{"ini_path", &c.pgb_ini_path}, std::pair{"target_entry", &c.pgb_target_entry}})
      if (val->empty()) r.Fail(p + "pgbouncer." + key, "is required when freeze = \"pgbouncer\"");
  }
  if (auto n = cut->get("hooks")) {
    auto* arr = n->as_array();
    if (!arr) {
      r.Fail(p + "hooks", "must be an array of tables ([[cutover.hooks]])");
    } else {
      for (size_t i = 0; i < arr->size(); ++i) {
        const std::string q = p + "hooks[" + std::to_string(i) + "].";
        auto* h = arr->get(i)->as_table();
        if (!h) {
          r.Fail(q, "must be a table with run = \"...\"");
          break;
        }
        r.Known(*h, q, {"name", "run", "timeout", "when"});
        Hook hk;
        r.Str(*h, "name", q, hk.name);
        r.Str(*h, "run", q, hk.run);
        r.Dur(*h, "timeout", q, hk.timeout_ms);
        std::string when = "both";
        r.Str(*h, "when", q, when);
        if (when == "cutover")
          hk.on_rollback = false;
        else if (when == "rollback")
          hk.on_cutover = false;
        else if (when != "both")
          r.Fail(q + "when", "must be \"cutover\", \"rollback\" or \"both\"");
        if (hk.run.empty()) r.Fail(q + "run", "is required");
        if (hk.name.empty()) hk.name = hk.run;
        c.hooks.push_back(hk);
      }
    }
  }
  if (auto* h = cut->get_as<toml::table>("health")) {
    const std::string q = p + "health.";
    r.Known(*h, q, {"http", "wait", "sql", "sql_budget_ms", "write_probe"});
    r.Dur(*h, "wait", q, c.health_wait_ms);
    r.Str(*h, "sql", q, c.sql_probe);
    r.Int(*h, "sql_budget_ms", q, c.sql_budget_ms);
    r.Bool(*h, "write_probe", q, c.write_probe);
    if (auto n = h->get("http")) {
      auto* arr = n->as_array();
      if (!arr) {
        r.Fail(q + "http", "must be an array of tables ([[cutover.health.http]])");
      } else {
        for (size_t i = 0; i < arr->size(); ++i) {
          const std::string k = q + "http[" + std::to_string(i) + "].";
          auto* t = arr->get(i)->as_table();
          if (!t) {
            r.Fail(k, "must be a table with url = \"...\"");
            break;
          }
          r.Known(*t, k, {"url", "expect_status", "budget_ms"});
          HttpCheck hc;
          int64_t status = 200;
          r.Str(*t, "url", k, hc.url);
          r.Int(*t, "expect_status", k, status);
          r.Int(*t, "budget_ms", k, hc.budget_ms);
          hc.expect_status = static_cast<int>(status);
          if (hc.url.empty()) r.Fail(k + "url", "is required");
          c.http.push_back(hc);
        }
      }
    }
  }
  if (r.err) return *r.err;
  return c;
}

Result<CutoverConfig> LoadCutoverConfig(const std::string& path) {
  if (path.empty()) return CutoverConfig{};
  toml::table root;
  std::string text;
  {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
      return MakeError(ErrorKind::kBadInput, "cannot read config file " + path,
                       "pass an existing file to --config");
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  return ParseCutoverConfig(text, path);
}

}  // namespace hk::cutover
