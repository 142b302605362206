#include "pipeline/events.h"

#include <cstdio>
#include <fstream>

#include "common/log.h"
#include "common/log_format.h"
#include "common/secrets.h"
#include "notify/notifier.h"

namespace hk::pipeline {

nlohmann::json PipelineEvent::ToJson() const {
  return {{"time", time}, {"kind", kind}, {"stage", stage}, {"text", text}, {"details", details}};
}

void EventStream::Emit(PipelineEvent e) {
  if (e.time.empty()) e.time = NowIso8601();
  for (const auto& s : subs_) s(e);
}

void EventStream::Emit(std::string kind, std::string stage, std::string text,
                       nlohmann::json details) {
  PipelineEvent e;
  e.kind = std::move(kind);
  e.stage = std::move(stage);
  e.text = std::move(text);
  e.details = std::move(details);
  Emit(std::move(e));
}

EventStream::Subscriber JournalSubscriber(std::string workdir) {
  return [path = workdir + "/migrate-events.jsonl"](const PipelineEvent& e) {
    std::ofstream f(path, std::ios::app);
    f << Scrub(e.ToJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) << "\n";
  };
}

EventStream::Subscriber NotifySubscriber() {
  return [](const PipelineEvent& e) {
    nlohmann::json d = e.details;
    d["stage"] = e.stage;
    if (e.kind == "stage_started" || e.kind == "stage_finished") {
      notify::Emit(e.kind, e.text, d);
    } else if (e.kind == "stage_failed") {
      notify::Emit("failure", e.text, d);
    } else if (e.kind == "window_notice") {
      notify::Emit("window_notice", e.text, d);
    } else if (e.kind == "lag") {
      notify::Emit("lag_high", e.text, d);
    } else if (e.kind == "progress" && e.stage == "window" && d.value("window_open", false)) {
      notify::Emit("window_start", e.text, d);
    }
  };
}

EventStream::Subscriber PrintSubscriber() {
  return [](const PipelineEvent& e) {
    if (GetLogFormat() == LogFormat::kJson) {
      LogRecord(e.kind == "stage_failed" ? LogLevel::kError : LogLevel::kInfo, e.text,
                {{"event", e.kind}, {"stage", e.stage}});
      return;
    }
    const char* mark = e.kind == "stage_started"    ? "=="
                       : e.kind == "stage_finished" ? "ok"
                       : e.kind == "stage_skipped"  ? "--"
                       : e.kind == "stage_failed"   ? "!!"
                                                    : "  ";
    std::fprintf(stderr, "migrate %s %-8s %s\n", mark, e.stage.c_str(), Scrub(e.text).c_str());
  };
}

}  // namespace hk::pipeline
