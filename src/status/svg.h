// Server-rendered SVG charts (no script, no external resource): a
// Gantt-style timeline and a line chart. Both return a complete <svg>.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hk::status {

struct GanttBar {
  std::string label;
  int64_t start_ms = 0, end_ms = 0;  ///< end == start: a point event (diamond).
  std::string outcome;               ///< ok | failed | skipped | info | running
};

struct GanttSection {
  std::string title;  ///< e.g. "clone (2026-12-02 08:33:03 UTC, 1.5 s)"
  std::vector<GanttBar> bars;
};

/// One chart, a section per stage, each with its own time scale (a clone of
/// hours and a cutover of seconds both stay readable).
std::string GanttSvg(const std::vector<GanttSection>& sections, const std::string& css_id);

struct Point {
  double x = 0;  ///< Unix ms.
  double y = 0;
};

/// A line chart of one series; y_unit "bytes" | "s" | "B/s" | "" picks the
/// axis labels. data-points="N" on the <svg> tells tests how many points.
std::string LineSvg(const std::vector<Point>& pts, const std::string& title,
                    const std::string& y_unit, const std::string& css_id);

/// Horizontal bars (per-table durations, largest first).
std::string BarsSvg(const std::vector<std::pair<std::string, double>>& rows,
                    const std::string& unit, const std::string& css_id);

std::string HtmlEscape(const std::string& s);
std::string HumanValue(double v, const std::string& unit);

}  // namespace hk::status
