// The pipeline's one event stream: every stage start/finish/skip/failure,
// progress, lag reports and warnings of `hikkoshi migrate` go through
// EventStream::Emit, and the journal (WORKDIR/migrate-events.jsonl, read by
// `status` and `report`), the notifications (src/notify) and the operator's
// terminal are subscribers. docs/architecture.md shows where it sits.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hk::pipeline {

struct PipelineEvent {
  /// stage_started | stage_finished | stage_skipped | stage_failed | progress | lag | warning
  std::string kind;
  std::string stage;  ///< check, backup, clone, verify, window, cutover ("" = the run)
  std::string text;   ///< One human sentence.
  nlohmann::json details = nlohmann::json::object();
  std::string time;  ///< UTC ISO 8601, stamped by Emit.

  nlohmann::json ToJson() const;
};

class EventStream {
 public:
  using Subscriber = std::function<void(const PipelineEvent&)>;
  void Subscribe(Subscriber s) { subs_.push_back(std::move(s)); }
  /// Stamps the time and hands the event to every subscriber, in order.
  void Emit(PipelineEvent e);
  void Emit(std::string kind, std::string stage, std::string text,
            nlohmann::json details = nlohmann::json::object());

 private:
  std::vector<Subscriber> subs_;
};

/// Appends every event as one JSON line to WORKDIR/migrate-events.jsonl.
EventStream::Subscriber JournalSubscriber(std::string workdir);
/// Forwards to the [[notify]] targets: stage_started/stage_finished as
/// themselves, stage_failed as "failure", lag as "lag_high" (each target's
/// min_lag_bytes decides), the window's start as "window_start".
EventStream::Subscriber NotifySubscriber();
/// One line per event on stderr for the operator.
EventStream::Subscriber PrintSubscriber();

}  // namespace hk::pipeline
