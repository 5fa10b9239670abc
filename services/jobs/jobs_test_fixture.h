#ifndef HELPDESK_SERVICES_JOBS_JOBS_TEST_FIXTURE_H_
#define HELPDESK_SERVICES_JOBS_JOBS_TEST_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/jobs/v1/jobs.grpc.pb.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/clock/clock.h"
#include "libs/rpc/server.h"
#include "libs/rpc/status_conversion.h"
#include "libs/testing/temp_dir.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"
#include "services/jobs/jobs_component.h"
#include "services/notification/notification_component.h"
#include "services/ticket/ticket_component.h"

namespace helpdesk::jobs {

// A signed-in demo account.
struct TestUser {
  int64_t id = 0;
  std::string token;
};

// The whole pipeline as helpdeskd assembles it: the real auth, audit,
// ticket, notification and jobs services on one loopback gRPC server
// (shared interceptor; unlike helpdeskd, which uses loopback TCP, the ticket
// service's outbox delivers jobs over the server's in-process channel, and
// jobs calls ticket, auth and notification the same way), one SQLite file
// each in a temp dir, time from a ManualClock. Demo accounts are seeded;
// rate limits are off.
//
// By default the jobs workers run no threads (options().workers.workers is
// 0) and no scheduled sweeps: tests move jobs with DeliverOutboxes() and
// RunJobs(). Set options in the test's constructor, before SetUp():
//   - jobs_options_ for the jobs component (e.g. workers for real threads);
//   - notification_on_own_server_ to run notification on a server of its
//     own (fixed port, TCP), which StopNotification()/StartNotification()
//     take down and bring back.
class JobsFixture : public ::testing::Test {
 protected:
  static constexpr char kServiceToken[] =
      "jobs-fixture-service-token-0123456789";

  JobsFixture();
  void SetUp() override;
  void TearDown() override;

  TestUser Login(const std::string& email);

  // Adds `authorization: Bearer token` (if non-empty) and, when
  // `as_service`, the service credential.
  static void Authorize(grpc::ClientContext& context, const std::string& token,
                        bool as_service = false);

  // Calls a unary method of `stub` with an optional bearer token and the
  // service credential when `as_service`.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(
      Stub* stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request, const std::string& token,
      bool as_service = false) {
    grpc::ClientContext context;
    Authorize(context, token, as_service);
    Response response;
    absl::Status status =
        rpc::FromGrpcStatus((stub->*method)(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  // Delivers every outbox row of auth and tickets that is due now (jobs
  // reach JobService.EnqueueJob).
  void DeliverOutboxes();
  // Runs the jobs workers' claims on this thread until nothing is due.
  int RunJobs();
  // Both, until the pipeline is quiet.
  void DeliverAndRunJobs();

  // Notification on its own server only.
  void StopNotification();
  void StartNotification();
  // Waits (bounded) until the jobs service's channel to notification is
  // connected again.
  bool WaitForNotificationChannel();

  // Helpers over the real RPCs.
  absl::StatusOr<tickets::v1::Ticket> CreateTicket(
      const TestUser& owner, const std::string& title = "Printer on fire");
  absl::StatusOr<tickets::v1::Ticket> SetStatus(
      const TestUser& admin, int64_t ticket_id,
      tickets::v1::Ticket::Status status);
  absl::StatusOr<tickets::v1::Ticket> Assign(const TestUser& admin,
                                             int64_t ticket_id,
                                             int64_t assignee_id);
  // The user's notifications, newest first.
  std::vector<notifications::v1::Notification> Notifications(
      const TestUser& user);
  absl::StatusOr<v1::ListJobsResponse> ListJobs(
      const TestUser& admin, v1::Job::State state = v1::Job::STATE_UNSPECIFIED);
  absl::StatusOr<v1::Job> GetJob(const TestUser& admin, int64_t id);
  absl::StatusOr<v1::Job> RetryJob(const TestUser& admin, int64_t id);
  absl::StatusOr<v1::RunEscalationSweepResponse> RunSweep(
      const TestUser& admin);
  absl::StatusOr<v1::Job> Enqueue(const v1::EnqueueJobRequest& request,
                                  const std::string& token = "",
                                  bool as_service = true);

  JobsComponentOptions jobs_options_;
  bool notification_on_own_server_ = false;

  helpdesk::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<auth::AuthComponent> auth_;
  std::unique_ptr<audit::AuditComponent> audit_;
  std::unique_ptr<ticket::TicketComponent> tickets_;
  std::unique_ptr<notification::NotificationComponent> notification_;
  std::unique_ptr<JobsComponent> jobs_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<rpc::RpcServer> notification_server_;
  int notification_port_ = 0;
  std::shared_ptr<grpc::Channel> notification_channel_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<tickets::v1::TicketService::Stub> ticket_stub_;
  std::unique_ptr<v1::JobService::Stub> jobs_stub_;
  std::unique_ptr<notifications::v1::NotificationService::Stub>
      notification_stub_;
};

// A packed payload for EnqueueJob.
template <typename Payload>
v1::EnqueueJobRequest JobRequest(const std::string& type,
                                 const Payload& payload,
                                 const std::string& dedupe_key) {
  v1::EnqueueJobRequest request;
  request.set_type(type);
  request.mutable_payload()->PackFrom(payload);
  request.set_dedupe_key(dedupe_key);
  return request;
}

}  // namespace helpdesk::jobs

#endif  // HELPDESK_SERVICES_JOBS_JOBS_TEST_FIXTURE_H_
