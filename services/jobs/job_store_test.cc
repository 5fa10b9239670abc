#include "services/jobs/job_store.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::jobs {
namespace {

using ::helpdesk::jobs::v1::Job;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);
constexpr absl::Duration kLease = absl::Seconds(60);

JobRecord NewJob(const std::string& key, absl::Time run_time = kT0,
                 int max_attempts = 3) {
  JobRecord job;
  job.type = "ticket.assigned";
  job.max_attempts = max_attempts;
  job.run_time = run_time;
  job.dedupe_key = key;
  job.payload = std::string(
      "\x0a\x03"
      "abc",
      5);
  job.create_time = kT0;
  job.update_time = kT0;
  return job;
}

std::vector<int64_t> Ids(const std::vector<JobRecord>& jobs) {
  std::vector<int64_t> ids;
  for (const JobRecord& job : jobs) ids.push_back(job.id);
  return ids;
}

class JobStoreTest : public helpdesk::testing::EngineTest {
 protected:
  void SetUp() override {
    location_ = NewLocation("jobs");
    auto store = JobStore::Open(location_);
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
  }

  int64_t Enqueue(const std::string& key, absl::Time run_time = kT0,
                  int max_attempts = 3) {
    auto result = store_->Enqueue(NewJob(key, run_time, max_attempts));
    EXPECT_THAT(result, IsOk());
    return result.ok() ? result->job.id : 0;
  }

  std::vector<JobRecord> Claim(absl::Time now, const std::string& owner,
                               int limit = 10) {
    auto claimed = store_->ClaimDue(now, kLease, owner, limit);
    EXPECT_THAT(claimed, IsOk());
    return claimed.ok() ? *claimed : std::vector<JobRecord>{};
  }

  JobRecord Get(int64_t id) {
    auto job = store_->Get(id);
    EXPECT_THAT(job, IsOk());
    return job.ok() ? *job : JobRecord{};
  }

  db::Location location_;
  std::unique_ptr<JobStore> store_;
};
HELPDESK_INSTANTIATE_ENGINES(JobStoreTest);

TEST_P(JobStoreTest, EnqueueIsIdempotentOnTheDedupeKey) {
  auto first = store_->Enqueue(NewJob("key-1"));
  ASSERT_THAT(first, IsOk());
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->job.state, Job::QUEUED);
  EXPECT_EQ(first->job.attempts, 0);
  EXPECT_EQ(first->job.payload, NewJob("key-1").payload);

  JobRecord different = NewJob("key-1", kT0 + absl::Hours(1), 9);
  different.type = "ticket.unassigned";
  auto again = store_->Enqueue(different);
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->job.id, first->job.id);
  EXPECT_EQ(again->job.type, "ticket.assigned");
  EXPECT_EQ(again->job.max_attempts, 3);

  auto all = store_->List(Job::STATE_UNSPECIFIED, 0, 10);
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(*all, SizeIs(1));
}

TEST_P(JobStoreTest, ClaimUsesTheStateRunTimeIndexInOneStatement) {
  if (postgres()) GTEST_SKIP() << "SQLite's query plans";
  auto plan = store_->ExplainClaim();
  ASSERT_THAT(plan, IsOk());
  // Both branches (expired leases, due jobs) are range scans of jobs_due;
  // nothing scans the table or sorts.
  const std::string search =
      "SEARCH jobs USING COVERING INDEX jobs_due (state=? AND run_time<?)";
  const size_t first = plan->find(search);
  ASSERT_NE(first, std::string::npos) << *plan;
  EXPECT_NE(plan->find(search, first + 1), std::string::npos) << *plan;
  EXPECT_THAT(
      *plan, AllOf(Not(HasSubstr("SCAN jobs")), Not(HasSubstr("TEMP B-TREE"))));
}

TEST_P(JobStoreTest, ListingByStateUsesItsIndexNewestFirst) {
  if (!postgres()) {
    auto plan = store_->ExplainList(Job::DEAD);
    ASSERT_THAT(plan, IsOk());
    EXPECT_THAT(*plan,
                HasSubstr("USING INDEX jobs_by_state (state=? AND id<?)"));
    EXPECT_THAT(*plan, Not(HasSubstr("TEMP B-TREE")));
    auto all = store_->ExplainList(Job::STATE_UNSPECIFIED);
    ASSERT_THAT(all, IsOk());
    EXPECT_THAT(*all, Not(HasSubstr("TEMP B-TREE")));
  }

  const int64_t a = Enqueue("a");
  const int64_t b = Enqueue("b");
  const int64_t c = Enqueue("c");
  Claim(kT0, "w", 1);  // a is RUNNING
  auto queued = store_->List(Job::QUEUED, 0, 10);
  ASSERT_THAT(queued, IsOk());
  EXPECT_THAT(Ids(*queued), ElementsAre(c, b));
  auto page = store_->List(Job::STATE_UNSPECIFIED, c, 10);
  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(Ids(*page), ElementsAre(b, a));
}

TEST_P(JobStoreTest, ClaimTakesDueJobsOldestFirstWithALease) {
  const int64_t later = Enqueue("later", kT0 + absl::Minutes(5));
  const int64_t second = Enqueue("second", kT0 - absl::Seconds(1));
  const int64_t first = Enqueue("first", kT0 - absl::Seconds(2));
  const int64_t third = Enqueue("third", kT0);

  std::vector<JobRecord> claimed = Claim(kT0, "w1", 2);
  EXPECT_THAT(Ids(claimed), UnorderedElementsAre(first, second));
  for (const JobRecord& job : claimed) {
    EXPECT_EQ(job.state, Job::RUNNING);
    EXPECT_EQ(job.attempts, 1);
    EXPECT_EQ(job.lease_owner, "w1");
    EXPECT_EQ(job.lease_expire_time, kT0 + kLease);
    EXPECT_EQ(job.run_time, kT0 + kLease);
  }
  EXPECT_THAT(Ids(Claim(kT0, "w2")), ElementsAre(third));
  // Not due yet; the others hold unexpired leases.
  EXPECT_THAT(Claim(kT0 + absl::Seconds(59), "w2"), IsEmpty());
  // Expired leases come before due jobs.
  EXPECT_THAT(Ids(Claim(kT0 + absl::Minutes(5), "w3", 3)),
              UnorderedElementsAre(first, second, third));
  EXPECT_THAT(Ids(Claim(kT0 + absl::Minutes(5), "w3")), ElementsAre(later));
}

TEST_P(JobStoreTest, AnExpiredLeaseIsClaimedAgainAndCountsAsAFailedAttempt) {
  const int64_t id = Enqueue("job");
  ASSERT_THAT(Claim(kT0, "crashed"), SizeIs(1));

  EXPECT_THAT(Claim(kT0 + kLease - absl::Microseconds(1), "w2"), IsEmpty());
  std::vector<JobRecord> reclaimed = Claim(kT0 + kLease, "w2");
  ASSERT_THAT(reclaimed, SizeIs(1));
  EXPECT_EQ(reclaimed[0].id, id);
  EXPECT_EQ(reclaimed[0].state, Job::RUNNING);
  EXPECT_EQ(reclaimed[0].attempts, 2);
  EXPECT_EQ(reclaimed[0].lease_owner, "w2");
  EXPECT_EQ(reclaimed[0].lease_expire_time, kT0 + 2 * kLease);
  EXPECT_THAT(reclaimed[0].last_error, HasSubstr("lease expired"));

  // The crashed worker's late outcome no longer applies.
  auto stale = store_->RecordOutcomes(
      {{id, 1, "crashed", AttemptOutcome::Kind::kSucceeded}}, kT0 + kLease);
  ASSERT_THAT(stale, IsOk());
  EXPECT_EQ(*stale, 0);
  EXPECT_EQ(Get(id).state, Job::RUNNING);
  auto current = store_->RecordOutcomes(
      {{id, 2, "w2", AttemptOutcome::Kind::kSucceeded}}, kT0 + kLease);
  ASSERT_THAT(current, IsOk());
  EXPECT_EQ(*current, 1);
  JobRecord done = Get(id);
  EXPECT_EQ(done.state, Job::SUCCEEDED);
  EXPECT_FALSE(done.lease_expire_time.has_value());
  EXPECT_EQ(done.lease_owner, "");
}

TEST_P(JobStoreTest, AnExpiredLeaseOnTheLastAttemptSendsTheJobDead) {
  const int64_t id = Enqueue("poison", kT0, /*max_attempts=*/2);
  ASSERT_THAT(Claim(kT0, "w1"), SizeIs(1));
  ASSERT_THAT(Claim(kT0 + kLease, "w2"), SizeIs(1));  // attempt 2
  std::vector<JobRecord> last = Claim(kT0 + 2 * kLease, "w3");
  ASSERT_THAT(last, SizeIs(1));
  EXPECT_EQ(last[0].state, Job::DEAD);
  EXPECT_EQ(last[0].attempts, 2);
  EXPECT_THAT(last[0].last_error, HasSubstr("lease expired"));
  EXPECT_EQ(Get(id).state, Job::DEAD);
  EXPECT_THAT(Claim(kT0 + 10 * kLease, "w4"), IsEmpty());
}

TEST_P(JobStoreTest, OutcomesRetryLaterOrDieWithTheError) {
  const int64_t retry = Enqueue("retry");
  const int64_t dead = Enqueue("dead");
  const int64_t released = Enqueue("released");
  ASSERT_THAT(Claim(kT0, "w"), SizeIs(3));
  auto applied = store_->RecordOutcomes(
      {{retry, 1, "w", AttemptOutcome::Kind::kRetry, kT0 + absl::Seconds(7),
        "UNAVAILABLE: down"},
       {dead, 1, "w", AttemptOutcome::Kind::kDead, {}, "INVALID_ARGUMENT: x"},
       {released, 1, "w", AttemptOutcome::Kind::kReleased}},
      kT0 + absl::Seconds(1));
  ASSERT_THAT(applied, IsOk());
  EXPECT_EQ(*applied, 3);

  JobRecord r = Get(retry);
  EXPECT_EQ(r.state, Job::QUEUED);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.run_time, kT0 + absl::Seconds(7));
  EXPECT_EQ(r.last_error, "UNAVAILABLE: down");
  JobRecord d = Get(dead);
  EXPECT_EQ(d.state, Job::DEAD);
  EXPECT_EQ(d.last_error, "INVALID_ARGUMENT: x");
  JobRecord l = Get(released);
  EXPECT_EQ(l.state, Job::QUEUED);
  EXPECT_EQ(l.attempts, 0);
  EXPECT_EQ(l.run_time, kT0 + absl::Seconds(1));
}

TEST_P(JobStoreTest, RetryPutsOnlyDeadJobsBackInTheQueue) {
  const int64_t id = Enqueue("job");
  EXPECT_THAT(store_->Retry(id, kT0),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->Retry(id + 100, kT0),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(Claim(kT0, "w"), SizeIs(1));
  ASSERT_THAT(store_->RecordOutcomes(
                  {{id, 1, "w", AttemptOutcome::Kind::kDead, {}, "boom"}}, kT0),
              IsOk());

  auto retried = store_->Retry(id, kT0 + absl::Hours(1));
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->state, Job::QUEUED);
  EXPECT_EQ(retried->attempts, 0);
  EXPECT_EQ(retried->run_time, kT0 + absl::Hours(1));
  EXPECT_EQ(retried->last_error, "boom");
  EXPECT_THAT(Ids(Claim(kT0 + absl::Hours(1), "w")), ElementsAre(id));
}

TEST_P(JobStoreTest, PruneDeletesOnlySucceededJobsPastTheCutoff) {
  const int64_t old_done = Enqueue("old");
  const int64_t new_done = Enqueue("new");
  const int64_t dead = Enqueue("dead");
  ASSERT_THAT(Claim(kT0, "w"), SizeIs(3));
  ASSERT_THAT(store_->RecordOutcomes(
                  {{old_done, 1, "w", AttemptOutcome::Kind::kSucceeded},
                   {dead, 1, "w", AttemptOutcome::Kind::kDead, {}, "x"}},
                  kT0),
              IsOk());
  ASSERT_THAT(store_->RecordOutcomes(
                  {{new_done, 1, "w", AttemptOutcome::Kind::kSucceeded}},
                  kT0 + absl::Hours(2)),
              IsOk());

  auto pruned = store_->PruneSucceeded(kT0 + absl::Hours(1), 100);
  ASSERT_THAT(pruned, IsOk());
  EXPECT_EQ(*pruned, 1);
  EXPECT_THAT(store_->Get(old_done), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->Get(new_done), IsOk());
  EXPECT_THAT(store_->Get(dead), IsOk());
}

// Two stores on one database stand for two jobs replicas: claimers on
// both, in parallel, take every job exactly once (SKIP LOCKED on
// PostgreSQL; one writer on SQLite, where both stores share the file).
TEST_P(JobStoreTest, ClaimersOnTwoStoresTakeEachJobOnce) {
  auto other = JobStore::Open(location_);
  ASSERT_THAT(other, IsOk());
  constexpr int kJobs = 200;
  for (int i = 0; i < kJobs; ++i) Enqueue(absl::StrCat("job-", i));
  absl::Mutex mu;
  std::vector<int64_t> taken;
  std::vector<std::thread> claimers;
  for (int t = 0; t < 4; ++t) {
    JobStore* store = t % 2 == 0 ? store_.get() : other->get();
    claimers.emplace_back([&, store, t] {
      for (;;) {
        auto claimed =
            store->ClaimDue(kT0, kLease, absl::StrCat("worker-", t), 7);
        ASSERT_THAT(claimed, IsOk());
        if (claimed->empty()) return;
        absl::MutexLock lock(&mu);
        for (const JobRecord& job : *claimed) taken.push_back(job.id);
      }
    });
  }
  for (std::thread& claimer : claimers) claimer.join();
  std::sort(taken.begin(), taken.end());
  EXPECT_EQ(taken.size(), static_cast<size_t>(kJobs));
  EXPECT_EQ(std::adjacent_find(taken.begin(), taken.end()), taken.end())
      << "a job was claimed twice";
}

// A job enqueued through one replica wakes the listener of another at
// once, not at its next poll.
TEST_P(JobStoreTest, AnEnqueueOnAnotherReplicaWakesThisOne) {
  std::atomic<int> wakes{0};
  auto listener = store_->ListenForJobs([&] { ++wakes; });
  ASSERT_THAT(listener, IsOk());
  if (!postgres()) {
    EXPECT_EQ(*listener, nullptr) << "one process owns a SQLite file";
    return;
  }
  ASSERT_NE(*listener, nullptr);
  // Connected and listening: the first wake-up.
  ASSERT_TRUE(helpdesk::testing::WaitFor([&] { return wakes.load() >= 1; }));
  auto other = JobStore::Open(location_);
  ASSERT_THAT(other, IsOk());
  const int before = wakes.load();
  ASSERT_THAT((*other)->Enqueue(NewJob("from-the-other-replica")), IsOk());
  EXPECT_TRUE(
      helpdesk::testing::WaitFor([&] { return wakes.load() > before; }));
  // A retried DEAD job is announced too.
  auto claimed = (*other)->ClaimDue(kT0, kLease, "w", 1);
  ASSERT_THAT(claimed, IsOk());
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_THAT(
      (*other)->RecordOutcomes(
          {{(*claimed)[0].id, 1, "w", AttemptOutcome::Kind::kDead, {}, "x"}},
          kT0),
      IsOk());
  const int after = wakes.load();
  ASSERT_THAT((*other)->Retry((*claimed)[0].id, kT0), IsOk());
  EXPECT_TRUE(helpdesk::testing::WaitFor([&] { return wakes.load() > after; }));
}

}  // namespace
}  // namespace helpdesk::jobs
