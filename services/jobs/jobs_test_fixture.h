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
#include "libs/testing/cluster.h"
#include "services/jobs/jobs_component.h"

namespace helpdesk::jobs {

using TestUser = ::helpdesk::testing::TestUser;

// The whole pipeline on a testing::Cluster: the real auth, audit, ticket,
// notification and jobs services, one SQLite file each in a temp dir, time
// from a ManualClock, rate limits off. By default the jobs workers run no
// threads and no scheduled sweeps: tests move jobs with DeliverOutboxes()
// and RunJobs(). Set options in the test's constructor, before SetUp():
//   - jobs_options_ for the jobs component (e.g. workers for real threads);
//   - notification_on_own_server_ to run notification on a server of its
//     own, which StopNotification()/StartNotification() take down and bring
//     back.
class JobsFixture : public ::helpdesk::testing::ClusterTest {
 protected:
  JobsFixture();
  void SetUp() override;

  // DeliverOutboxes() (jobs reach JobService.EnqueueJob), then RunJobs().
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

  JobsComponentOptions& jobs_options_ = cluster_options_.jobs;
  bool notification_on_own_server_ = false;

  // Set by SetUp().
  JobsComponent* jobs_ = nullptr;
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
