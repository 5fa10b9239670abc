#include "services/jobs/job_service.h"

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "helpdesk/jobs/v1/jobs.grpc.pb.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"
#include "services/jobs/jobs_test_fixture.h"

namespace helpdesk::jobs {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::jobs::v1::EnqueueJobRequest;
using ::helpdesk::jobs::v1::Job;
using ::helpdesk::jobs::v1::TicketAssignedPayload;
using ::helpdesk::jobs::v1::TicketStatusChangedPayload;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

TicketAssignedPayload Assigned(int64_t ticket_id = 7, int64_t assignee_id = 1) {
  TicketAssignedPayload payload;
  payload.set_ticket_id(ticket_id);
  payload.set_ticket_title("Printer on fire");
  payload.set_assignee_id(assignee_id);
  payload.set_actor_id(1);
  return payload;
}

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto bad_request = GetBadRequest(status)) {
    for (const auto& violation : bad_request->field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

std::vector<int64_t> Ids(const v1::ListJobsResponse& response) {
  std::vector<int64_t> ids;
  for (const Job& job : response.jobs()) ids.push_back(job.id());
  return ids;
}

class JobServiceTest : public JobsFixture {
 protected:
  void SetUp() override {
    JobsFixture::SetUp();
    admin_ = Login("admina@example.com");
    user_ = Login("usera@example.com");
  }

  TestUser admin_;
  TestUser user_;
};

TEST_F(JobServiceTest, EnqueueIsInternalOnly) {
  const EnqueueJobRequest request =
      JobRequest("ticket.assigned", Assigned(), "key-1");
  EXPECT_THAT(Enqueue(request, "", /*as_service=*/false),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Enqueue(request, admin_.token, /*as_service=*/false),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Enqueue(request, user_.token, /*as_service=*/false),
              StatusIs(absl::StatusCode::kPermissionDenied));
  grpc::ClientContext context;
  context.AddMetadata("x-helpdesk-service-token", "not-the-service-token");
  Job job;
  EXPECT_EQ(jobs_stub_->EnqueueJob(&context, request, &job).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto listed = ListJobs(admin_);
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->jobs_size(), 0);
}

TEST_F(JobServiceTest, EnqueueIsIdempotentOnTheDedupeKey) {
  auto first = Enqueue(JobRequest("ticket.assigned", Assigned(7), "outbox/42"));
  ASSERT_THAT(first, IsOk());
  EXPECT_GT(first->id(), 0);
  EXPECT_EQ(first->type(), "ticket.assigned");
  EXPECT_EQ(first->state(), Job::QUEUED);
  EXPECT_EQ(first->attempts(), 0);
  EXPECT_EQ(first->max_attempts(), 25);
  EXPECT_EQ(first->dedupe_key(), "outbox/42");
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(first->run_time()),
            absl::ToUnixMicros(clock_.Now()));
  TicketAssignedPayload payload;
  ASSERT_TRUE(first->payload().UnpackTo(&payload));
  EXPECT_EQ(payload.ticket_id(), 7);

  auto again = Enqueue(JobRequest("ticket.assigned", Assigned(8), "outbox/42"));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->id(), first->id());
  ASSERT_TRUE(again->payload().UnpackTo(&payload));
  EXPECT_EQ(payload.ticket_id(), 7);
  auto listed = ListJobs(admin_);
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->jobs_size(), 1);
}

TEST_F(JobServiceTest, ConcurrentEnqueuesOfOneKeyMakeOneJob) {
  constexpr int kThreads = 8;
  std::vector<int64_t> ids(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto job =
          Enqueue(JobRequest("ticket.assigned", Assigned(t + 1), "same-key"));
      EXPECT_THAT(job, IsOk());
      if (job.ok()) ids[t] = job->id();
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_GT(ids[0], 0);
  auto listed = ListJobs(admin_);
  ASSERT_THAT(listed, IsOk());
  EXPECT_EQ(listed->jobs_size(), 1);
}

TEST_F(JobServiceTest, EnqueueRejectsAMalformedRequest) {
  TicketStatusChangedPayload wrong;
  wrong.set_ticket_id(1);
  auto mismatched = Enqueue(JobRequest("ticket.assigned", wrong, "k"));
  EXPECT_THAT(mismatched, StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("the job has errors")));
  EXPECT_THAT(ViolatedFields(mismatched.status()), ElementsAre("payload"));

  EnqueueJobRequest bad = JobRequest("Ticket Assigned!", Assigned(), "");
  bad.set_max_attempts(-1);
  bad.mutable_run_time()->set_seconds(-1'000'000'000'000);
  auto refused = Enqueue(bad);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ViolatedFields(refused.status()),
              ElementsAre("type", "dedupe_key", "max_attempts", "run_time"));

  EnqueueJobRequest no_payload;
  no_payload.set_type("ticket.assigned");
  no_payload.set_dedupe_key(std::string(201, 'k'));
  auto missing = Enqueue(no_payload);
  EXPECT_THAT(ViolatedFields(missing.status()),
              ElementsAre("payload", "dedupe_key"));
}

TEST_F(JobServiceTest, MaxAttemptsDefaultsAndIsClamped) {
  EnqueueJobRequest request = JobRequest("ticket.assigned", Assigned(), "a");
  request.set_max_attempts(500);
  auto clamped = Enqueue(request);
  ASSERT_THAT(clamped, IsOk());
  EXPECT_EQ(clamped->max_attempts(), 100);
  request.set_dedupe_key("b");
  request.set_max_attempts(2);
  auto chosen = Enqueue(request);
  ASSERT_THAT(chosen, IsOk());
  EXPECT_EQ(chosen->max_attempts(), 2);
}

TEST_F(JobServiceTest, AnUnknownTypeIsAcceptedAndDiesAtOnceWithAClearError) {
  auto job = Enqueue(JobRequest("ticket.merged", Assigned(), "merge/1"));
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(job->state(), Job::QUEUED);
  EXPECT_EQ(RunJobs(), 1);
  auto dead = GetJob(admin_, job->id());
  ASSERT_THAT(dead, IsOk());
  EXPECT_EQ(dead->state(), Job::DEAD);
  EXPECT_EQ(dead->attempts(), 1);
  EXPECT_THAT(dead->last_error(),
              HasSubstr("no handler for job type \"ticket.merged\""));
}

TEST_F(JobServiceTest, AMalformedKnownPayloadDiesAtOnce) {
  // Passes EnqueueJob's type check but names no assignee.
  auto job = Enqueue(JobRequest("ticket.assigned", Assigned(7, 0), "bad/1"));
  ASSERT_THAT(job, IsOk());
  EXPECT_EQ(RunJobs(), 1);
  auto dead = GetJob(admin_, job->id());
  ASSERT_THAT(dead, IsOk());
  EXPECT_EQ(dead->state(), Job::DEAD);
  EXPECT_THAT(dead->last_error(), HasSubstr("has no assignee_id"));
}

TEST_F(JobServiceTest, AdminRpcsAreForAdminsOnly) {
  auto job = Enqueue(JobRequest("ticket.assigned", Assigned(), "k"));
  ASSERT_THAT(job, IsOk());
  const TestUser nobody;
  for (const TestUser* caller :
       {&nobody, static_cast<const TestUser*>(&user_)}) {
    const absl::StatusCode code = caller->token.empty()
                                      ? absl::StatusCode::kUnauthenticated
                                      : absl::StatusCode::kPermissionDenied;
    EXPECT_THAT(GetJob(*caller, job->id()), StatusIs(code));
    EXPECT_THAT(ListJobs(*caller), StatusIs(code));
    EXPECT_THAT(RetryJob(*caller, job->id()), StatusIs(code));
    EXPECT_THAT(RunSweep(*caller), StatusIs(code));
  }
  // The service credential is no admin.
  v1::GetJobRequest get;
  get.set_id(job->id());
  EXPECT_THAT(Call(jobs_stub_.get(), &v1::JobService::Stub::GetJob, get, "",
                   /*as_service=*/true),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(GetJob(admin_, job->id()), IsOk());
}

TEST_F(JobServiceTest, GetAndRetryOfAMissingJobAreNotFound) {
  EXPECT_THAT(GetJob(admin_, 12345), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(RetryJob(admin_, 12345), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(JobServiceTest, OnlyDeadJobsCanBeRetried) {
  auto job = Enqueue(JobRequest("ticket.assigned", Assigned(), "k"));
  ASSERT_THAT(job, IsOk());
  EXPECT_THAT(
      RetryJob(admin_, job->id()),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is QUEUED")));
}

TEST_F(JobServiceTest, ListJobsFiltersByStateNewestFirstAndPages) {
  std::vector<int64_t> dead;
  std::vector<int64_t> queued;
  for (int i = 0; i < 3; ++i) {
    auto job =
        Enqueue(JobRequest("ticket.merged", Assigned(), absl::StrCat("d", i)));
    ASSERT_THAT(job, IsOk());
    dead.push_back(job->id());
  }
  for (int i = 0; i < 2; ++i) {
    EnqueueJobRequest later =
        JobRequest("ticket.assigned", Assigned(), absl::StrCat("q", i));
    *later.mutable_run_time() = TimeUtil::MicrosecondsToTimestamp(
        absl::ToUnixMicros(clock_.Now() + absl::Hours(1)));
    auto job = Enqueue(later);
    ASSERT_THAT(job, IsOk());
    queued.push_back(job->id());
  }
  EXPECT_EQ(RunJobs(), 3);

  auto dead_jobs = ListJobs(admin_, Job::DEAD);
  ASSERT_THAT(dead_jobs, IsOk());
  EXPECT_THAT(Ids(*dead_jobs), ElementsAre(dead[2], dead[1], dead[0]));
  auto queued_jobs = ListJobs(admin_, Job::QUEUED);
  ASSERT_THAT(queued_jobs, IsOk());
  EXPECT_THAT(Ids(*queued_jobs), ElementsAre(queued[1], queued[0]));

  v1::ListJobsRequest request;
  request.set_page_size(2);
  std::vector<int64_t> seen;
  std::string token;
  for (int page = 0; page < 5; ++page) {
    request.set_page_token(token);
    auto response = Call(jobs_stub_.get(), &v1::JobService::Stub::ListJobs,
                         request, admin_.token);
    ASSERT_THAT(response, IsOk());
    EXPECT_LE(response->jobs_size(), 2);
    for (int64_t id : Ids(*response)) seen.push_back(id);
    token = response->next_page_token();
    if (token.empty()) break;
  }
  EXPECT_THAT(seen,
              ElementsAre(queued[1], queued[0], dead[2], dead[1], dead[0]));

  // A token belongs to its filter.
  request.set_page_size(1);
  request.clear_page_token();
  auto first = Call(jobs_stub_.get(), &v1::JobService::Stub::ListJobs, request,
                    admin_.token);
  ASSERT_THAT(first, IsOk());
  request.set_state(Job::DEAD);
  request.set_page_token(first->next_page_token());
  EXPECT_THAT(Call(jobs_stub_.get(), &v1::JobService::Stub::ListJobs, request,
                   admin_.token),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.clear_page_token();
  request.set_state(static_cast<Job::State>(99));
  EXPECT_THAT(Call(jobs_stub_.get(), &v1::JobService::Stub::ListJobs, request,
                   admin_.token),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_state(Job::STATE_UNSPECIFIED);
  request.set_page_size(-1);
  EXPECT_THAT(Call(jobs_stub_.get(), &v1::JobService::Stub::ListJobs, request,
                   admin_.token),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace helpdesk::jobs
