#ifndef HELPDESK_SERVICES_JOBS_JOBS_COMPONENT_H_
#define HELPDESK_SERVICES_JOBS_JOBS_COMPONENT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "libs/auth/token_resolver.h"
#include "libs/clients/auth_client.h"
#include "libs/clients/notification_client.h"
#include "libs/clients/ticket_client.h"
#include "libs/clock/clock.h"
#include "libs/rpc/server.h"
#include "services/jobs/escalation_scheduler.h"
#include "services/jobs/fan_out_handler.h"
#include "services/jobs/job_service.h"
#include "services/jobs/job_store.h"
#include "services/jobs/job_worker_pool.h"

namespace helpdesk::jobs {

struct JobsComponentOptions {
  std::string data_dir;  // holds jobs.db
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

// Channels to the jobs service's peers.
struct JobsPeers {
  std::shared_ptr<grpc::Channel> auth;          // admins for escalations
  std::shared_ptr<grpc::Channel> ticket;        // EscalateOverdue
  std::shared_ptr<grpc::Channel> notification;  // CreateNotification
};

// Wires the jobs service: jobs.db and the service first; then, once
// channels to the peers exist, the clients of notification, auth and
// ticket, the fan-out handler, the worker pool and the escalation
// scheduler. jobs_server and helpdeskd both assemble jobs through this
// class. Owns everything it creates.
//
// Before StartBackgroundWork() EnqueueJob already stores jobs (they run once
// the workers start) and the admin RPCs work, except RunEscalationSweep
// (UNAVAILABLE). Call StopBackgroundWork() before shutting down a server
// the workers or the scheduler call, whether over TCP (helpdeskd) or over
// its in-process channel (test fixtures), where a call created during
// shutdown crashes gRPC 1.51.
class JobsComponent final {
 public:
  static absl::StatusOr<std::unique_ptr<JobsComponent>> Create(
      JobsComponentOptions options, const Clock* clock);
  ~JobsComponent();

  // For registering on a server (helpdeskd's shared one, behind its auth
  // interceptor).
  JobServiceImpl* service() { return service_.get(); }
  JobStore* store() { return store_.get(); }
  // Null until StartBackgroundWork().
  JobWorkerPool* workers() { return workers_.get(); }
  EscalationScheduler* scheduler() { return scheduler_.get(); }

  // Connects the peers, starts the workers (options.workers threads) and
  // the scheduled sweeps. FAILED_PRECONDITION if called twice.
  absl::Status StartBackgroundWork(JobsPeers peers);

  // Stops the scheduler and the workers (each finishes the job it runs)
  // and joins their threads. Idempotent.
  void StopBackgroundWork();

  // Starts a server for jobs alone, resolving callers through `resolver`
  // (not owned; must outlive the server).
  absl::StatusOr<std::unique_ptr<rpc::RpcServer>> Serve(
      rpc::ServerOptions options, auth::TokenResolver* resolver);

 private:
  JobsComponent() = default;

  JobsComponentOptions options_;
  const Clock* clock_ = nullptr;
  std::unique_ptr<JobStore> store_;
  std::unique_ptr<JobServiceImpl> service_;
  std::unique_ptr<clients::NotificationClient> notifications_;
  std::unique_ptr<clients::AuthClient> admins_;
  std::unique_ptr<clients::TicketClient> tickets_;
  std::unique_ptr<FanOutHandler> handler_;
  std::unique_ptr<JobWorkerPool> workers_;
  std::unique_ptr<EscalationScheduler> scheduler_;
};

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_JOBS_COMPONENT_H_
