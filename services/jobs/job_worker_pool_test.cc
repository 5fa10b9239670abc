#include "services/jobs/job_worker_pool.h"

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"
#include "services/jobs/job_store.h"

namespace helpdesk::jobs {
namespace {

using ::helpdesk::jobs::v1::Job;
using ::helpdesk::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// A handler that answers from a script (OK once the script runs out) and
// records what it ran.
class ScriptedHandler final : public JobHandler {
 public:
  void Then(absl::Status status) {
    absl::MutexLock lock(&mu_);
    script_.push_back(std::move(status));
  }

  absl::Status Run(const JobRecord& job, absl::Time deadline) override {
    absl::MutexLock lock(&mu_);
    runs_.push_back(job);
    deadlines_.push_back(deadline);
    if (script_.empty()) return absl::OkStatus();
    absl::Status status = script_.front();
    script_.pop_front();
    return status;
  }

  std::vector<JobRecord> runs() {
    absl::MutexLock lock(&mu_);
    return runs_;
  }

  std::vector<absl::Time> deadlines() {
    absl::MutexLock lock(&mu_);
    return deadlines_;
  }

  // Waits (real time, bounded) until the handler ran `count` times.
  bool WaitForRuns(size_t count, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto ran = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return runs_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&ran), timeout);
  }

 private:
  absl::Mutex mu_;
  std::deque<absl::Status> script_ ABSL_GUARDED_BY(mu_);
  std::vector<JobRecord> runs_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Time> deadlines_ ABSL_GUARDED_BY(mu_);
};

class JobWorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = JobStore::Open({.path = dir_.File("jobs.db")});
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
    options_.workers = 0;
    options_.retry = {absl::Seconds(1), absl::Seconds(30)};
  }

  JobWorkerPool& pool() {
    if (pool_ == nullptr) {
      pool_ = std::make_unique<JobWorkerPool>(store_.get(), &handler_, &clock_,
                                              options_);
    }
    return *pool_;
  }

  int64_t Enqueue(const std::string& key, int max_attempts = 5) {
    JobRecord job;
    job.type = "ticket.assigned";
    job.max_attempts = max_attempts;
    job.run_time = clock_.Now();
    job.dedupe_key = key;
    job.payload = "payload";
    job.create_time = clock_.Now();
    auto result = store_->Enqueue(job);
    EXPECT_THAT(result, IsOk());
    return result.ok() ? result->job.id : 0;
  }

  JobRecord Get(int64_t id) {
    auto job = store_->Get(id);
    EXPECT_THAT(job, IsOk());
    return job.ok() ? *job : JobRecord{};
  }

  int RunOnce() {
    auto claimed = pool().RunOnce();
    EXPECT_THAT(claimed, IsOk());
    return claimed.ok() ? *claimed : -1;
  }

  helpdesk::testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<JobStore> store_;
  ScriptedHandler handler_;
  JobWorkerPoolOptions options_;
  std::unique_ptr<JobWorkerPool> pool_;
};

TEST_F(JobWorkerPoolTest, ASuccessfulRunSucceedsWithADeadline) {
  const int64_t id = Enqueue("job");
  const absl::Time before = absl::Now();
  EXPECT_EQ(RunOnce(), 1);
  ASSERT_THAT(handler_.runs(), SizeIs(1));
  EXPECT_EQ(handler_.runs()[0].id, id);
  EXPECT_EQ(handler_.runs()[0].attempts, 1);
  EXPECT_GE(handler_.deadlines()[0], before + options_.handler_timeout);
  EXPECT_LE(handler_.deadlines()[0], absl::Now() + options_.handler_timeout);
  JobRecord job = Get(id);
  EXPECT_EQ(job.state, Job::SUCCEEDED);
  EXPECT_EQ(job.attempts, 1);
  EXPECT_EQ(RunOnce(), 0);
}

TEST_F(JobWorkerPoolTest, FailuresBackOffWithJitterThenTheJobDies) {
  options_.retry = {absl::Seconds(2), absl::Seconds(100)};
  const int64_t id = Enqueue("job", /*max_attempts=*/4);
  // Ceilings after failures 1, 2, 3: 2 s, 32 s, 100 s (162 s, capped).
  const absl::Duration ceilings[] = {absl::Seconds(2), absl::Seconds(32),
                                     absl::Seconds(100)};
  for (int attempt = 1; attempt <= 3; ++attempt) {
    handler_.Then(absl::UnavailableError("notification is down"));
    const absl::Time now = clock_.Now();
    ASSERT_EQ(RunOnce(), 1) << "attempt " << attempt;
    JobRecord job = Get(id);
    EXPECT_EQ(job.state, Job::QUEUED);
    EXPECT_EQ(job.attempts, attempt);
    EXPECT_EQ(job.last_error, "UNAVAILABLE: notification is down");
    EXPECT_GE(job.run_time, now + ceilings[attempt - 1] / 2);
    EXPECT_LE(job.run_time, now + ceilings[attempt - 1]);
    EXPECT_EQ(RunOnce(), 0);  // not before its time
    clock_.Set(job.run_time);
  }
  handler_.Then(absl::DeadlineExceededError("too slow"));
  ASSERT_EQ(RunOnce(), 1);
  JobRecord dead = Get(id);
  EXPECT_EQ(dead.state, Job::DEAD);
  EXPECT_EQ(dead.attempts, 4);
  EXPECT_EQ(dead.last_error, "DEADLINE_EXCEEDED: too slow");
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(RunOnce(), 0);
  EXPECT_THAT(handler_.runs(), SizeIs(4));
}

TEST_F(JobWorkerPoolTest, APermanentFailureSendsTheJobDeadAtOnce) {
  const int64_t id = Enqueue("job");
  handler_.Then(absl::UnimplementedError("no handler for job type \"x\""));
  ASSERT_EQ(RunOnce(), 1);
  JobRecord job = Get(id);
  EXPECT_EQ(job.state, Job::DEAD);
  EXPECT_EQ(job.attempts, 1);
  EXPECT_THAT(job.last_error, HasSubstr("no handler for job type"));
}

TEST_F(JobWorkerPoolTest, ASubjectThatIsGoneSendsTheJobDeadAtOnce) {
  const int64_t id = Enqueue("job");
  handler_.Then(absl::NotFoundError("ticket 7 does not exist"));
  ASSERT_EQ(RunOnce(), 1);
  EXPECT_EQ(Get(id).state, Job::DEAD);
}

TEST_F(JobWorkerPoolTest, AJobOfACrashedWorkerRunsAgainAfterTheLease) {
  const int64_t id = Enqueue("job");
  // A worker claims it and dies without an outcome.
  auto crashed = store_->ClaimDue(clock_.Now(), options_.lease, "dead/0", 10);
  ASSERT_THAT(crashed, IsOk());
  ASSERT_THAT(*crashed, SizeIs(1));

  clock_.Advance(options_.lease - absl::Seconds(1));
  EXPECT_EQ(RunOnce(), 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(RunOnce(), 1);
  ASSERT_THAT(handler_.runs(), SizeIs(1));
  EXPECT_EQ(handler_.runs()[0].attempts, 2);
  JobRecord job = Get(id);
  EXPECT_EQ(job.state, Job::SUCCEEDED);
  EXPECT_EQ(job.attempts, 2);
}

TEST_F(JobWorkerPoolTest, AClaimFitsInTheLease) {
  options_.claim_batch = 50;
  options_.lease = absl::Seconds(60);
  options_.handler_timeout = absl::Seconds(10);
  EXPECT_EQ(pool().claim_batch(), 5);
}

TEST_F(JobWorkerPoolTest, NotifyWakesAnIdleWorkerAtOnce) {
  options_.workers = 2;
  options_.poll_interval = absl::Hours(1);  // only a wake-up can run it
  Enqueue("first");
  pool().Start();
  // The first look at the queue runs "first"; then the workers go idle
  // until a wake-up (or an hour).
  ASSERT_TRUE(handler_.WaitForRuns(1, absl::Seconds(10)));
  Enqueue("second");
  const absl::Time start = absl::Now();
  pool().Notify();
  ASSERT_TRUE(handler_.WaitForRuns(2, absl::Seconds(10)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  pool().Stop();
}

TEST_F(JobWorkerPoolTest, WorkersDrainABacklog) {
  options_.workers = 3;
  options_.claim_batch = 4;
  options_.poll_interval = absl::Hours(1);
  for (int i = 0; i < 100; ++i) Enqueue(absl::StrCat("job-", i));
  pool().Start();
  pool().Notify();
  ASSERT_TRUE(handler_.WaitForRuns(100, absl::Seconds(30)));
  pool().Stop();
  auto succeeded = store_->List(Job::SUCCEEDED, 0, 1000);
  ASSERT_THAT(succeeded, IsOk());
  EXPECT_THAT(*succeeded, SizeIs(100));
  EXPECT_THAT(handler_.runs(), SizeIs(100));
}

TEST_F(JobWorkerPoolTest, SucceededJobsArePrunedAfterTheRetention) {
  options_.retention = absl::Hours(24);
  const int64_t id = Enqueue("job");
  ASSERT_EQ(RunOnce(), 1);
  clock_.Advance(absl::Hours(23));
  auto kept = pool().PruneSucceeded();
  ASSERT_THAT(kept, IsOk());
  EXPECT_EQ(*kept, 0);
  clock_.Advance(absl::Hours(1));
  auto pruned = pool().PruneSucceeded();
  ASSERT_THAT(pruned, IsOk());
  EXPECT_EQ(*pruned, 1);
  EXPECT_THAT(store_->Get(id),
              helpdesk::testing::StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace helpdesk::jobs
