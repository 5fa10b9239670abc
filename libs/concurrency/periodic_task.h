#ifndef HELPDESK_LIBS_CONCURRENCY_PERIODIC_TASK_H_
#define HELPDESK_LIBS_CONCURRENCY_PERIODIC_TASK_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace helpdesk {

// Runs `task` on its own thread every `interval` (real time) until Stop()
// or destruction, which wakes the thread and joins it. The task's own
// logic takes time from an injected Clock, so tests call it directly
// instead of waiting for this thread. Thread-safe.
class PeriodicTask final {
 public:
  PeriodicTask(absl::Duration interval, std::function<void()> task);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void Stop();

 private:
  void Loop();

  const absl::Duration interval_;
  const std::function<void()> task_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace helpdesk

#endif  // HELPDESK_LIBS_CONCURRENCY_PERIODIC_TASK_H_
