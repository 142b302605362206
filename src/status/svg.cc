#include "status/svg.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/human.h"
#include "status/record.h"

namespace hk::status {

std::string HtmlEscape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string HumanValue(double v, const std::string& unit) {
  if (unit == "bytes") return HumanBytes(static_cast<int64_t>(v));
  if (unit == "B/s") return HumanBytes(static_cast<int64_t>(v)) + "/s";
  if (unit == "s") {
    if (v < 10) return fmt::format("{:.3f} s", v);
    if (v < 120) return fmt::format("{:.1f} s", v);
    if (v < 7200) return fmt::format("{:.1f} min", v / 60);
    return fmt::format("{:.1f} h", v / 3600);
  }
  return fmt::format("{:.4g}{}", v, unit.empty() ? "" : " " + unit);
}

namespace {

const char* Color(const std::string& outcome) {
  if (outcome == "failed") return "#d9534f";
  if (outcome == "skipped") return "#bbbbbb";
  if (outcome == "running") return "#f0ad4e";
  if (outcome == "info") return "#5bc0de";
  return "#4a90d9";
}

}  // namespace

std::string GanttSvg(const std::vector<GanttSection>& sections, const std::string& id) {
  const int width = 960, label_w = 300, row_h = 18, head_h = 22;
  const int chart_w = width - label_w - 90;
  int height = 4;
  for (const auto& s : sections) height += head_h + static_cast<int>(s.bars.size()) * row_h + 8;
  size_t nbars = 0;
  for (const auto& s : sections) nbars += s.bars.size();
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{}\" class=\"gantt\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\" data-bars=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n",
      id, width, height, width, height, nbars);
  int y = 4;
  for (const auto& s : sections) {
    out += fmt::format("<text x=\"2\" y=\"{}\" font-weight=\"bold\" font-size=\"12\">{}</text>\n",
                       y + 14, HtmlEscape(s.title));
    y += head_h;
    if (s.bars.empty()) continue;
    int64_t t0 = s.bars.front().start_ms, t1 = s.bars.front().end_ms;
    for (const auto& b : s.bars) {
      t0 = std::min(t0, b.start_ms);
      t1 = std::max(t1, std::max(b.end_ms, b.start_ms));
    }
    double span = std::max<double>(1, static_cast<double>(t1 - t0));
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#ddd\"/>\n", label_w,
                       y, label_w, y + static_cast<int>(s.bars.size()) * row_h);
    for (const auto& b : s.bars) {
      double x0 = label_w + (b.start_ms - t0) / span * chart_w;
      double x1 = label_w + (std::max(b.end_ms, b.start_ms) - t0) / span * chart_w;
      double dur = (b.end_ms - b.start_ms) / 1000.0;
      out += fmt::format("<g class=\"bar\" data-step=\"{}\" data-outcome=\"{}\" data-ms=\"{}\">",
                         HtmlEscape(b.label), HtmlEscape(b.outcome), b.end_ms - b.start_ms);
      out +=
          fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", label_w - 6, y + 13,
                      HtmlEscape(b.label.size() > 46 ? b.label.substr(0, 45) + "…" : b.label));
      if (b.end_ms <= b.start_ms) {
        out += fmt::format("<path d=\"M{0:.1f} {1} l5 5 l-5 5 l-5 -5 z\" fill=\"{2}\"/>", x0, y + 4,
                           Color(b.outcome));
      } else {
        out += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" rx=\"2\" fill=\"{}\"/>", x0,
            y + 3, std::max(1.5, x1 - x0), row_h - 6, Color(b.outcome));
      }
      out +=
          fmt::format("<text x=\"{:.1f}\" y=\"{}\" fill=\"#555\">{}</text>", std::max(x0, x1) + 4,
                      y + 13, b.end_ms > b.start_ms ? HumanValue(dur, "s") : "");
      out += "<title>" + HtmlEscape(b.label) + " " + b.outcome + "</title></g>\n";
      y += row_h;
    }
    y += 8;
  }
  out += "</svg>\n";
  return out;
}

std::string LineSvg(const std::vector<Point>& pts, const std::string& title,
                    const std::string& unit, const std::string& id) {
  const int w = 460, h = 180, l = 70, r = 10, t = 24, b = 24;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{}\" class=\"chart\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\" data-points=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<text x=\"{}\" y=\"14\" font-weight=\"bold\">{}</text>\n",
      id, w, h, w, h, pts.size(), l, HtmlEscape(title));
  out += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" "
      "stroke=\"#ccc\"/>\n",
      l, t, w - l - r, h - t - b);
  if (pts.empty()) {
    out +=
        fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#888\">no data</text></svg>\n", l + 10, h / 2);
    return out;
  }
  double x0 = pts.front().x, x1 = pts.front().x, y1 = 0;
  for (const auto& p : pts) {
    x0 = std::min(x0, p.x);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  }
  if (y1 <= 0) y1 = 1;
  double xs = std::max(1.0, x1 - x0);
  std::string poly;
  for (const auto& p : pts) {
    double px = l + (p.x - x0) / xs * (w - l - r);
    double py = t + (h - t - b) * (1 - p.y / y1);
    poly += fmt::format("{:.1f},{:.1f} ", px, py);
  }
  out += fmt::format(
      "<polyline fill=\"none\" stroke=\"#4a90d9\" stroke-width=\"1.5\" "
      "points=\"{}\"/>\n",
      poly);
  if (pts.size() == 1)
    out += fmt::format("<circle cx=\"{}\" cy=\"{:.1f}\" r=\"3\" fill=\"#4a90d9\"/>\n", l,
                       t + (h - t - b) * (1 - pts[0].y / y1));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", l - 4, t + 8,
                     HtmlEscape(HumanValue(y1, unit)));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n", l - 4, h - b);
  auto hms = [](double ms) { return IsoOfMs(static_cast<int64_t>(ms)).substr(11, 8); };
  out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", l, h - 6, hms(x0));
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} UTC</text>\n",
                     (l + w - r) / 2, h - 6, HtmlEscape(HumanValue(xs / 1000.0, "s")));
  out +=
      fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", w - r, h - 6, hms(x1));
  out += "</svg>\n";
  return out;
}

std::string BarsSvg(const std::vector<std::pair<std::string, double>>& rows,
                    const std::string& unit, const std::string& id) {
  const int w = 960, label_w = 300, row_h = 18;
  int h = 8 + static_cast<int>(rows.size()) * row_h;
  double mx = 0;
  for (const auto& r : rows) mx = std::max(mx, r.second);
  if (mx <= 0) mx = 1;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{}\" class=\"bars\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\" data-points=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n",
      id, w, h, w, h, rows.size());
  int y = 4;
  for (const auto& [name, v] : rows) {
    double bw = v / mx * (w - label_w - 120);
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" "
        "width=\"{:.1f}\" height=\"{}\" fill=\"#4a90d9\"/><text x=\"{:.1f}\" y=\"{}\" "
        "fill=\"#555\">{}</text>\n",
        label_w - 6, y + 13, HtmlEscape(name), label_w, y + 3, std::max(1.0, bw), row_h - 6,
        label_w + bw + 4, y + 13, HtmlEscape(HumanValue(v, unit)));
    y += row_h;
  }
  out += "</svg>\n";
  return out;
}

}  // namespace hk::status
