#include "services/jobs/escalation_scheduler.h"

#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/clients/call_context.h"
#include "libs/clients/ticket_client.h"
#include "libs/rpc/server.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::jobs {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::helpdesk::testing::WaitFor;
using ::helpdesk::tickets::v1::EscalateOverdueRequest;
using ::helpdesk::tickets::v1::EscalateOverdueResponse;

// A stand-in TicketService whose EscalateOverdue answers escalated counts
// from a script, optionally holding each call until released.
class FakeTicketService final
    : public ::helpdesk::tickets::v1::TicketService::Service {
 public:
  grpc::Status EscalateOverdue(grpc::ServerContext* /*context*/,
                               const EscalateOverdueRequest* request,
                               EscalateOverdueResponse* response) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(*request);
    auto released = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !hold_; };
    mu_.Await(absl::Condition(&released));
    if (counts_.empty()) return grpc::Status(grpc::StatusCode::INTERNAL, "x");
    const int count = counts_.front();
    counts_.pop_front();
    if (count < 0) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "ticket db busy");
    }
    response->set_escalated_count(count);
    return grpc::Status::OK;
  }

  void Answer(std::vector<int> counts) {
    absl::MutexLock lock(&mu_);
    counts_.assign(counts.begin(), counts.end());
  }
  void Hold(bool hold) {
    absl::MutexLock lock(&mu_);
    hold_ = hold;
  }
  bool WaitForCalls(size_t calls) {
    absl::MutexLock lock(&mu_);
    auto called = [this, calls]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return requests_.size() >= calls;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&called), absl::Seconds(10));
  }
  std::vector<EscalateOverdueRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

 private:
  absl::Mutex mu_;
  std::deque<int> counts_ ABSL_GUARDED_BY(mu_);
  bool hold_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<EscalateOverdueRequest> requests_ ABSL_GUARDED_BY(mu_);
};

class EscalationSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = rpc::RpcServer::Start(rpc::ServerOptions{}, {&tickets_});
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    client_ = std::make_unique<clients::TicketClient>(
        clients::PeerOptions{server_->InProcessChannel(), "token"});
    options_.sweep_interval = absl::ZeroDuration();
    options_.escalate_after = absl::Hours(24);
    options_.batch_size = 10;
  }

  void TearDown() override {
    scheduler_.reset();
    server_->Shutdown(absl::ZeroDuration());
  }

  EscalationScheduler& scheduler() {
    if (scheduler_ == nullptr) {
      scheduler_ =
          std::make_unique<EscalationScheduler>(client_.get(), options_);
    }
    return *scheduler_;
  }

  FakeTicketService tickets_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::unique_ptr<clients::TicketClient> client_;
  EscalationOptions options_;
  std::unique_ptr<EscalationScheduler> scheduler_;
};

TEST_F(EscalationSchedulerTest, ASweepCallsUntilABatchComesBackShort) {
  tickets_.Answer({10, 10, 3});
  auto escalated = scheduler().RunSweep();
  ASSERT_THAT(escalated, IsOk());
  EXPECT_EQ(*escalated, 23);
  std::vector<EscalateOverdueRequest> requests = tickets_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(TimeUtil::DurationToSeconds(requests[0].older_than()), 24 * 3600);
  EXPECT_EQ(requests[0].batch_size(), 10);
}

TEST_F(EscalationSchedulerTest, AFailedCallFailsTheSweep) {
  tickets_.Answer({10, -1});
  EXPECT_THAT(scheduler().RunSweep(), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(EscalationSchedulerTest, ACallDuringASweepGetsThatSweepsResult) {
  tickets_.Answer({4});
  tickets_.Hold(true);
  absl::StatusOr<int> first;
  std::thread running([&] { first = scheduler().RunSweep(); });
  ASSERT_TRUE(tickets_.WaitForCalls(1));
  std::vector<absl::StatusOr<int>> joined(3);
  std::vector<std::thread> joiners;
  for (auto& result : joined) {
    joiners.emplace_back([&] { result = scheduler().RunSweep(); });
  }
  // Bounded wait until all three wait for the running sweep.
  WaitFor([&] { return scheduler().waiting() >= 3; }, absl::Seconds(10));
  EXPECT_EQ(scheduler().waiting(), 3);
  tickets_.Hold(false);
  running.join();
  for (std::thread& joiner : joiners) joiner.join();

  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(*first, 4);
  for (const auto& result : joined) {
    ASSERT_THAT(result, IsOk());
    EXPECT_EQ(*result, 4);
  }
  EXPECT_EQ(tickets_.requests().size(), 1u);
}

}  // namespace
}  // namespace helpdesk::jobs
