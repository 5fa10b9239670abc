#ifndef HELPDESK_SERVICES_JOBS_JOBS_COMPONENT_H_
#define HELPDESK_SERVICES_JOBS_JOBS_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/notification_client.h"
#include "libs/clients/ticket_client.h"
#include "libs/clock/clock.h"
#include "libs/db/lease.h"
#include "libs/db/pg/listener.h"
#include "libs/db/store.h"
#include "libs/rpc/component.h"
#include "services/jobs/escalation_scheduler.h"
#include "services/jobs/fan_out_handler.h"
#include "services/jobs/job_service.h"
#include "services/jobs/job_store.h"
#include "services/jobs/job_worker_pool.h"

namespace helpdesk::jobs {

struct JobsComponentOptions {
  // Where the service keeps its data: its SQLite file in storage.data_dir,
  // or its schema of storage.database_url.
  db::Storage storage;
  std::string service_token;
  JobServiceOptions service;  // page_token_key empty: derived from the token
  JobWorkerPoolOptions workers;
  EscalationOptions escalation;
  // Per-call deadline of CreateNotification and ListUsers (a job's
  // handler_timeout bounds the calls of one attempt together).
  absl::Duration peer_deadline = absl::Seconds(2);
  // Deadline of one EscalateOverdue call (it may escalate many tickets).
  absl::Duration sweep_deadline = absl::Seconds(60);
};

// The jobs service as a component (see libs/rpc/component.h): jobs.db, the
// clients of notification, auth and ticket, the fan-out handler, the worker
// pool, the escalation scheduler and the service. jobs_server and helpdeskd
// both assemble jobs through this class. Owns everything it creates.
//
// Before Start() EnqueueJob already stores jobs (they run once the workers
// start) and the admin RPCs work.
class JobsComponent final : public rpc::Component {
 public:
  static absl::StatusOr<std::unique_ptr<JobsComponent>> Create(
      JobsComponentOptions options, const Clock* clock,
      const rpc::Peers& peers);
  ~JobsComponent() override;

  JobServiceImpl* service() { return service_.get(); }
  JobStore* store() { return store_.get(); }
  JobWorkerPool* workers() { return workers_.get(); }
  EscalationScheduler* scheduler() { return scheduler_.get(); }

  std::vector<grpc::Service*> services() override { return {service_.get()}; }
  // Starts the workers (options.workers threads) and the scheduled sweeps.
  absl::Status Start() override;
  // Stops the scheduler and the workers (each finishes the job it runs and
  // releases the rest of its claim) and joins their threads.
  void Stop() override;

 private:
  JobsComponent() = default;

  std::unique_ptr<JobStore> store_;
  std::unique_ptr<clients::NotificationClient> notifications_;
  std::unique_ptr<clients::AuthClient> admins_;
  std::unique_ptr<clients::TicketClient> tickets_;
  std::unique_ptr<FanOutHandler> handler_;
  // PostgreSQL only (see Create); before their users, which they outlive.
  std::unique_ptr<db::Lease> sweep_lease_;
  std::unique_ptr<db::Lease> prune_lease_;
  std::unique_ptr<JobWorkerPool> workers_;
  // LISTENs for jobs enqueued anywhere (PostgreSQL; null on SQLite).
  std::unique_ptr<db::pg::Listener> listener_;
  std::unique_ptr<EscalationScheduler> scheduler_;
  std::unique_ptr<JobServiceImpl> service_;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_JOBS_COMPONENT_H_
