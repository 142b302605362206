// `hikkoshi report`: the migration report for people who ask "is it done,
// was anything lost?". BuildReport() gathers it as JSON (the --format json
// twin, schema in docs/status.md); RenderHtml() (self-contained: inline CSS
// and SVG, no script, no external resource) and RenderMarkdown() render
// that JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "status/model.h"

namespace hk::status {

/// `status` plus the timeline of every step, the success metrics of the
/// plan, lag over the follow period, copy throughput and the problems found.
nlohmann::json BuildReport(const Migration& m);

/// migrate's stages beside the rehearsal's: [{stage, run, rehearsal}], each
/// side null (not reached) or {state, duration_ms[, window_ms]}.
nlohmann::json RunbookRows(const Runbook& rb);
/// One side of a runbook row ("done 12 s (writes paused 1.204 s)", "-").
std::string RunbookCell(const nlohmann::json& side);

std::string RenderHtml(const nlohmann::json& report);
std::string RenderMarkdown(const nlohmann::json& report);

/// html | md | json from an explicit format, else from the file extension
/// (.html/.htm, .md, .json); "" when neither says.
std::string ReportFormat(const std::string& format, const std::string& out_path);

/// Collects WORKDIR (files only) and writes WORKDIR/report.html; returns its
/// path. Used at the end of cutover and rollback.
Result<std::string> WriteWorkdirReport(const std::string& workdir);
/// WORKDIR/journal.jsonl exists (a cutover or rollback ran there).
bool WorkdirHasJournal(const std::string& workdir);

}  // namespace hk::status
