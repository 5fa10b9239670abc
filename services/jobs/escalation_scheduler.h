#ifndef HELPDESK_SERVICES_JOBS_ESCALATION_SCHEDULER_H_
#define HELPDESK_SERVICES_JOBS_ESCALATION_SCHEDULER_H_

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clients/ticket_client.h"
#include "libs/concurrency/periodic_task.h"
#include "libs/db/lease.h"

namespace helpdesk::jobs {

struct EscalationOptions {
  // Real time between scheduled sweeps; zero or infinite schedules none
  // (RunSweep() still works).
  absl::Duration sweep_interval = absl::Seconds(10);
  // Open tickets older than this escalate (EscalateOverdue's older_than).
  absl::Duration escalate_after = absl::Hours(24);
  // Tickets per EscalateOverdue call; the sweep calls until a call
  // escalates fewer.
  int batch_size = 1000;
};

// The escalation sweep and its schedule: every sweep_interval, and on
// demand (JobService.RunEscalationSweep), it calls
// TicketService.EscalateOverdue through the TicketClient. The ticket
// service stamps each overdue ticket once and emits its ticket.escalated
// job through its outbox, so a sweep that runs twice escalates nothing
// twice.
//
// One sweep at a time: a RunSweep() that arrives while a sweep runs does
// not start another; it waits for the running one and returns that
// sweep's result (the running sweep already covers what the caller asked
// for, short of tickets that became overdue in the last moments, which
// the next sweep takes).
//
// Thread-safe. The client is not owned and must outlive the scheduler.
class EscalationScheduler final {
 public:
  // `lease` (not owned, may be null): with several replicas, scheduled
  // sweeps run only on the one that holds it (RunSweep() runs anyway).
  EscalationScheduler(clients::TicketClient* tickets, EscalationOptions options,
                      db::Lease* lease = nullptr);
  ~EscalationScheduler();  // Stop()
  EscalationScheduler(const EscalationScheduler&) = delete;
  EscalationScheduler& operator=(const EscalationScheduler&) = delete;

  // Starts the periodic sweeps (if an interval is set). No-op if started.
  void Start() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);
  // Stops them, after a sweep in progress. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);

  // Runs a sweep (or joins the running one) and returns how many tickets
  // it escalated; the ticket service's error if a call failed (tickets
  // escalated by earlier calls of the sweep stay escalated).
  absl::StatusOr<int> RunSweep() ABSL_LOCKS_EXCLUDED(mu_);

  // Callers of RunSweep() waiting for the running sweep (tests, metrics).
  int waiting() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::StatusOr<int> Sweep();

  clients::TicketClient* const tickets_;
  const EscalationOptions options_;
  db::Lease* const lease_;

  absl::Mutex lifecycle_mu_;
  std::unique_ptr<PeriodicTask> task_ ABSL_GUARDED_BY(lifecycle_mu_);

  absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
  // Sweeps finished so far, and the result of the last one.
  int64_t finished_ ABSL_GUARDED_BY(mu_) = 0;
  absl::StatusOr<int> last_result_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_ESCALATION_SCHEDULER_H_
