#include "libs/outbox/relay.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "SQLiteCpp/Statement.h"
#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/db/database.h"
#include "libs/db/migration.h"
#include "libs/outbox/outbox.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/temp_dir.h"

namespace helpdesk::outbox {
namespace {

using ::helpdesk::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr db::Migration kMigrations[] = {
    {1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"},
    OutboxMigration(2),
    OutboxParkedMigration(3),
};

// Refuses for good every message whose payload starts with "poison".
class PickyDeliverer final : public Deliverer {
 public:
  explicit PickyDeliverer(absl::StatusCode refusal) : refusal_(refusal) {}
  absl::Status Deliver(const OutboxMessage& message) override {
    absl::MutexLock lock(&mu_);
    if (!accept_poison_ && absl::StartsWith(message.payload, "poison")) {
      return absl::Status(refusal_, "cannot use this payload");
    }
    delivered_.push_back(message);
    return absl::OkStatus();
  }
  void AcceptPoison() {
    absl::MutexLock lock(&mu_);
    accept_poison_ = true;
  }
  std::vector<OutboxMessage> delivered() {
    absl::MutexLock lock(&mu_);
    return delivered_;
  }
  std::vector<std::string> payloads() {
    std::vector<std::string> payloads;
    for (const OutboxMessage& m : delivered()) payloads.push_back(m.payload);
    return payloads;
  }

 private:
  const absl::StatusCode refusal_;
  absl::Mutex mu_;
  bool accept_poison_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<OutboxMessage> delivered_ ABSL_GUARDED_BY(mu_);
};

// Records every attempt; fails while `failures_left` > 0 (or forever when
// negative), then succeeds.
class RecordingDeliverer final : public Deliverer {
 public:
  absl::Status Deliver(const OutboxMessage& message) override {
    absl::MutexLock lock(&mu_);
    attempts_.push_back(message);
    if (failures_left_ != 0) {
      if (failures_left_ > 0) --failures_left_;
      return absl::UnavailableError("target is down");
    }
    delivered_.push_back(message);
    if (on_delivered_) on_delivered_(message);
    return absl::OkStatus();
  }

  void FailNext(int count) {
    absl::MutexLock lock(&mu_);
    failures_left_ = count;
  }
  void FailForever() { FailNext(-1); }
  void SetOnDelivered(std::function<void(const OutboxMessage&)> callback) {
    absl::MutexLock lock(&mu_);
    on_delivered_ = std::move(callback);
  }

  std::vector<OutboxMessage> attempts() {
    absl::MutexLock lock(&mu_);
    return attempts_;
  }
  std::vector<OutboxMessage> delivered() {
    absl::MutexLock lock(&mu_);
    return delivered_;
  }
  std::vector<std::string> delivered_payloads() {
    std::vector<std::string> payloads;
    for (const OutboxMessage& m : delivered()) payloads.push_back(m.payload);
    return payloads;
  }

 private:
  absl::Mutex mu_;
  int failures_left_ ABSL_GUARDED_BY(mu_) = 0;
  std::function<void(const OutboxMessage&)> on_delivered_ ABSL_GUARDED_BY(mu_);
  std::vector<OutboxMessage> attempts_ ABSL_GUARDED_BY(mu_);
  std::vector<OutboxMessage> delivered_ ABSL_GUARDED_BY(mu_);
};

class ThrowingDeliverer final : public Deliverer {
 public:
  absl::Status Deliver(const OutboxMessage&) override {
    throw std::runtime_error("boom");
  }
};

struct RowState {
  int attempts = -1;
  int64_t next_attempt_micros = 0;
  std::string last_error;
};

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = db::Database::Open(path_, kMigrations);
    ASSERT_THAT(db, IsOk());
    service_db_ = std::move(*db);
  }

  // What a service does: the business change and the message in one
  // transaction on the service's connection.
  OutboxMessage EnqueueOne(const std::string& destination,
                           const std::string& payload) {
    absl::StatusOr<OutboxMessage> message;
    EXPECT_THAT(service_db_->InTransaction([&]() -> absl::Status {
      service_db_->connection().exec("INSERT INTO notes (body) VALUES ('x')");
      message = Enqueue(*service_db_, destination, payload, clock_.Now());
      return message.status();
    }),
                IsOk());
    return message.ok() ? *message : OutboxMessage{};
  }

  // A relay on its own connection to the service's file.
  std::unique_ptr<OutboxRelay> MakeRelay(
      absl::flat_hash_map<std::string, Deliverer*> deliverers,
      RelayOptions options = ExactOptions()) {
    auto db = db::Database::Open(path_, kMigrations);
    EXPECT_THAT(db, IsOk());
    if (!db.ok()) return nullptr;
    return std::make_unique<OutboxRelay>(std::move(*db), std::move(deliverers),
                                         &clock_, options);
  }

  static RelayOptions ExactOptions() {
    RelayOptions options;
    options.jitter = 0;  // exact backoffs
    return options;
  }

  RowState Row(int64_t id) {
    SQLite::Statement select(service_db_->connection(),
                             "SELECT attempts, next_attempt_time, last_error "
                             "FROM outbox WHERE id = ?");
    select.bind(1, id);
    RowState state;
    if (select.executeStep()) {
      state.attempts = select.getColumn(0).getInt();
      state.next_attempt_micros = select.getColumn(1).getInt64();
      state.last_error = select.getColumn(2).getString();
    }
    return state;
  }

  bool RowExists(int64_t id) { return Row(id).attempts >= 0; }

  int Delivered(OutboxRelay& relay) {
    absl::StatusOr<int> delivered = relay.RunOnce();
    EXPECT_THAT(delivered, IsOk());
    return delivered.ok() ? *delivered : -1;
  }

  helpdesk::testing::TempDir dir_;
  std::string path_ = dir_.File("service.db");
  ManualClock clock_;
  std::unique_ptr<db::Database> service_db_;
  RecordingDeliverer audit_;
  RecordingDeliverer jobs_;
};

TEST_F(RelayTest, DeliversInIdOrderAndDeletesDeliveredRows) {
  EnqueueOne("audit", "a1");
  EnqueueOne("jobs", "j1");
  EnqueueOne("audit", "a2");
  EnqueueOne("audit", "a3");
  auto relay = MakeRelay({{"audit", &audit_}, {"jobs", &jobs_}});
  EXPECT_EQ(relay->pending_count(), 4);

  EXPECT_EQ(Delivered(*relay), 4);
  EXPECT_THAT(audit_.delivered_payloads(), ElementsAre("a1", "a2", "a3"));
  EXPECT_THAT(jobs_.delivered_payloads(), ElementsAre("j1"));
  EXPECT_EQ(relay->pending_count(), 0);
  EXPECT_EQ(Delivered(*relay), 0);
}

TEST_F(RelayTest, DeliveredMessageCarriesTheStoredRow) {
  OutboxMessage enqueued = EnqueueOne("audit", "payload");
  auto relay = MakeRelay({{"audit", &audit_}});
  EXPECT_EQ(Delivered(*relay), 1);
  ASSERT_THAT(audit_.delivered(), SizeIs(1));
  const OutboxMessage got = audit_.delivered()[0];
  EXPECT_EQ(got.id, enqueued.id);
  EXPECT_EQ(got.destination, "audit");
  EXPECT_EQ(got.idempotency_key, enqueued.idempotency_key);
  EXPECT_EQ(got.payload, "payload");
  EXPECT_EQ(got.attempts, 0);
  EXPECT_EQ(got.create_time, enqueued.create_time);
}

TEST_F(RelayTest, RowIsDeletedOnlyAfterTheDelivererReturnsOk) {
  OutboxMessage enqueued = EnqueueOne("audit", "a1");
  bool present_during_delivery = false;
  audit_.SetOnDelivered([&](const OutboxMessage& message) {
    present_during_delivery = RowExists(message.id);
  });
  auto relay = MakeRelay({{"audit", &audit_}});
  EXPECT_EQ(Delivered(*relay), 1);
  EXPECT_TRUE(present_during_delivery);
  EXPECT_FALSE(RowExists(enqueued.id));
}

TEST_F(RelayTest, FailedDeliveryIsKeptAndRetriedAfterBackoffWithTheSameKey) {
  OutboxMessage enqueued = EnqueueOne("audit", "a1");
  audit_.FailNext(2);
  auto relay = MakeRelay({{"audit", &audit_}});

  EXPECT_EQ(Delivered(*relay), 0);
  RowState row = Row(enqueued.id);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.next_attempt_micros,
            absl::ToUnixMicros(clock_.Now() + absl::Milliseconds(200)));
  EXPECT_THAT(row.last_error, HasSubstr("target is down"));

  // Not retried before the backoff elapsed.
  EXPECT_EQ(Delivered(*relay), 0);
  clock_.Advance(absl::Milliseconds(199));
  EXPECT_EQ(Delivered(*relay), 0);
  EXPECT_THAT(audit_.attempts(), SizeIs(1));

  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Delivered(*relay), 0);  // second failure: now 400ms
  EXPECT_THAT(audit_.attempts(), SizeIs(2));
  EXPECT_EQ(Row(enqueued.id).attempts, 2);
  clock_.Advance(absl::Milliseconds(399));
  EXPECT_EQ(Delivered(*relay), 0);
  EXPECT_THAT(audit_.attempts(), SizeIs(2));

  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Delivered(*relay), 1);
  EXPECT_FALSE(RowExists(enqueued.id));

  std::vector<OutboxMessage> attempts = audit_.attempts();
  ASSERT_THAT(attempts, SizeIs(3));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(attempts[i].idempotency_key, enqueued.idempotency_key);
    EXPECT_EQ(attempts[i].attempts, i);
  }
  EXPECT_THAT(audit_.delivered(), SizeIs(1));
}

TEST_F(RelayTest, FailingDestinationDoesNotBlockAnotherAndKeepsItsOrder) {
  EnqueueOne("audit", "a1");
  EnqueueOne("jobs", "j1");
  EnqueueOne("audit", "a2");
  EnqueueOne("jobs", "j2");
  audit_.FailNext(1);
  auto relay = MakeRelay({{"audit", &audit_}, {"jobs", &jobs_}});

  EXPECT_EQ(Delivered(*relay), 2);
  EXPECT_THAT(jobs_.delivered_payloads(), ElementsAre("j1", "j2"));
  // a2 was not tried after a1 failed, and waits behind a1.
  EXPECT_THAT(audit_.attempts(), SizeIs(1));
  EXPECT_EQ(Delivered(*relay), 0);
  EXPECT_THAT(audit_.attempts(), SizeIs(1));

  clock_.Advance(absl::Milliseconds(200));
  EXPECT_EQ(Delivered(*relay), 2);
  EXPECT_THAT(audit_.delivered_payloads(), ElementsAre("a1", "a2"));
  EXPECT_EQ(relay->pending_count(), 0);
}

TEST_F(RelayTest, PoisonedRowIsParkedAndTheRowsBehindItGoOnInOrder) {
  for (absl::StatusCode refusal :
       {absl::StatusCode::kInvalidArgument, absl::StatusCode::kDataLoss}) {
    PickyDeliverer picky(refusal);
    EnqueueOne("audit", "a1");
    const OutboxMessage poison = EnqueueOne("audit", "poison");
    EnqueueOne("audit", "a2");
    EnqueueOne("audit", "a3");
    auto relay = MakeRelay({{"audit", &picky}});
    EXPECT_EQ(Delivered(*relay), 4);  // three delivered, one parked
    EXPECT_THAT(picky.payloads(), ElementsAre("a1", "a2", "a3"));
    EXPECT_EQ(relay->pending_count(), 0);
    EXPECT_EQ(relay->parked_count(), 1);
    SQLite::Statement parked(service_db_->connection(),
                             "SELECT idempotency_key, attempts, last_error "
                             "FROM outbox_parked");
    ASSERT_TRUE(parked.executeStep());
    EXPECT_EQ(parked.getColumn(0).getString(), poison.idempotency_key);
    EXPECT_EQ(parked.getColumn(1).getInt(), 1);
    EXPECT_THAT(parked.getColumn(2).getString(),
                HasSubstr("cannot use this payload"));
    parked.reset();

    // Rows enqueued later are not held back either.
    EnqueueOne("audit", "a4");
    EXPECT_EQ(Delivered(*relay), 1);
    EXPECT_THAT(picky.payloads(), ElementsAre("a1", "a2", "a3", "a4"));

    // A fixed target takes the parked row, with its key, once retried.
    picky.AcceptPoison();
    auto retried = relay->RetryParked();
    ASSERT_THAT(retried, IsOk());
    EXPECT_EQ(*retried, 1);
    EXPECT_EQ(relay->parked_count(), 0);
    EXPECT_EQ(Delivered(*relay), 1);
    ASSERT_THAT(picky.delivered(), SizeIs(5));
    EXPECT_EQ(picky.delivered()[4].idempotency_key, poison.idempotency_key);
    EXPECT_EQ(relay->pending_count(), 0);
  }
}

TEST_F(RelayTest, TransientFailuresAreNeverParked) {
  EnqueueOne("audit", "a1");
  audit_.FailNext(3);
  auto relay = MakeRelay({{"audit", &audit_}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Delivered(*relay), 0);
    clock_.Advance(absl::Minutes(5));
  }
  EXPECT_EQ(relay->parked_count(), 0);
  EXPECT_EQ(Delivered(*relay), 1);
}

TEST_F(RelayTest, StartRetriesRowsThePreviousRunParked) {
  PickyDeliverer picky(absl::StatusCode::kInvalidArgument);
  EnqueueOne("audit", "poison-1");
  {
    auto relay = MakeRelay({{"audit", &picky}});
    EXPECT_EQ(Delivered(*relay), 1);
    EXPECT_EQ(relay->parked_count(), 1);
  }
  // The next release accepts it.
  picky.AcceptPoison();
  auto relay = MakeRelay({{"audit", &picky}});
  relay->Start();  // moves it back before the worker's first round
  relay->Stop();
  EXPECT_EQ(relay->parked_count(), 0);
  // The worker may or may not have delivered it before Stop().
  if (relay->pending_count() == 1) {
    EXPECT_EQ(Delivered(*relay), 1);
  }
  EXPECT_THAT(picky.payloads(), ElementsAre("poison-1"));
  EXPECT_EQ(relay->pending_count(), 0);
}

TEST_F(RelayTest, RowsOfAnUnknownDestinationAreLeftAlone) {
  OutboxMessage mystery = EnqueueOne("mystery", "m1");
  EnqueueOne("audit", "a1");
  auto relay = MakeRelay({{"audit", &audit_}});
  EXPECT_EQ(Delivered(*relay), 1);
  EXPECT_EQ(Delivered(*relay), 0);
  EXPECT_EQ(relay->pending_count(), 1);
  EXPECT_EQ(Row(mystery.id).attempts, 0);
  EXPECT_EQ(Row(mystery.id).last_error, "");
}

TEST_F(RelayTest, BatchSizeBoundsEachDestinationInOneRound) {
  for (int i = 1; i <= 7; ++i) {
    EnqueueOne(i % 2 == 0 ? "jobs" : "audit", "m" + std::to_string(i));
  }
  RelayOptions options = ExactOptions();
  options.batch_size = 2;
  auto relay = MakeRelay({{"audit", &audit_}, {"jobs", &jobs_}}, options);

  EXPECT_EQ(Delivered(*relay), 4);  // two of each, oldest first
  EXPECT_THAT(audit_.delivered_payloads(), ElementsAre("m1", "m3"));
  EXPECT_THAT(jobs_.delivered_payloads(), ElementsAre("m2", "m4"));
  EXPECT_EQ(relay->pending_count(), 3);
  EXPECT_EQ(Delivered(*relay), 3);
  EXPECT_THAT(audit_.delivered_payloads(), ElementsAre("m1", "m3", "m5", "m7"));
  EXPECT_THAT(jobs_.delivered_payloads(), ElementsAre("m2", "m4", "m6"));
  EXPECT_EQ(relay->pending_count(), 0);
}

TEST_F(RelayTest, BacklogOnOneDestinationDoesNotHoldBackAnother) {
  for (int i = 1; i <= 50; ++i) EnqueueOne("audit", "a" + std::to_string(i));
  EnqueueOne("jobs", "j1");
  std::vector<std::string> order;
  audit_.SetOnDelivered(
      [&](const OutboxMessage& message) { order.push_back(message.payload); });
  jobs_.SetOnDelivered(
      [&](const OutboxMessage& message) { order.push_back(message.payload); });
  std::unique_ptr<OutboxRelay> relay;
  RelayOptions options = ExactOptions();
  options.batch_size = 10;
  relay = MakeRelay({{"audit", &audit_}, {"jobs", &jobs_}}, options);
  EXPECT_EQ(Delivered(*relay), 11);  // ten of the backlog, and the job
  ASSERT_GE(order.size(), 2u);
  EXPECT_THAT(std::vector<std::string>(order.begin(), order.begin() + 2),
              ElementsAre("a1", "j1"));  // the job went out second, not last
  EXPECT_EQ(relay->pending_count(), 40);
}

TEST_F(RelayTest, BackoffDoublesAndCapsAtMaxBackoff) {
  OutboxMessage enqueued = EnqueueOne("audit", "a1");
  audit_.FailForever();
  RelayOptions options = ExactOptions();
  options.initial_backoff = absl::Milliseconds(100);
  options.max_backoff = absl::Seconds(1);
  auto relay = MakeRelay({{"audit", &audit_}}, options);

  const std::vector<absl::Duration> expected = {
      absl::Milliseconds(100), absl::Milliseconds(200), absl::Milliseconds(400),
      absl::Milliseconds(800), absl::Seconds(1),        absl::Seconds(1),
      absl::Seconds(1)};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(Delivered(*relay), 0);
    EXPECT_THAT(audit_.attempts(), SizeIs(i + 1));
    EXPECT_EQ(Row(enqueued.id).next_attempt_micros,
              absl::ToUnixMicros(clock_.Now() + expected[i]))
        << "after failure " << i + 1;
    clock_.Advance(expected[i]);
  }
  // Many failures later the wait is still max_backoff.
  for (int i = 0; i < 60; ++i) {
    ASSERT_EQ(Delivered(*relay), 0);
    clock_.Advance(absl::Seconds(1));
  }
  EXPECT_EQ(Row(enqueued.id).attempts, static_cast<int>(expected.size()) + 60);
  EXPECT_EQ(Row(enqueued.id).next_attempt_micros,
            absl::ToUnixMicros(clock_.Now()));
}

TEST_F(RelayTest, JitterOnlyShortensTheBackoff) {
  RelayOptions options;  // default jitter
  options.initial_backoff = absl::Seconds(10);
  options.max_backoff = absl::Seconds(10);
  audit_.FailForever();
  std::vector<OutboxMessage> rows;
  for (int i = 0; i < 20; ++i)
    rows.push_back(EnqueueOne("a" + std::to_string(i), "x"));
  absl::flat_hash_map<std::string, Deliverer*> deliverers;
  for (int i = 0; i < 20; ++i) deliverers["a" + std::to_string(i)] = &audit_;
  auto relay = MakeRelay(deliverers, options);
  EXPECT_EQ(Delivered(*relay), 0);
  const int64_t now = absl::ToUnixMicros(clock_.Now());
  absl::flat_hash_set<int64_t> waits;
  for (const OutboxMessage& row : rows) {
    const int64_t wait = Row(row.id).next_attempt_micros - now;
    EXPECT_LE(wait, 10'000'000);
    EXPECT_GE(wait, 8'000'000);  // jitter 0.2
    waits.insert(wait);
  }
  EXPECT_GT(waits.size(), 1u) << "retries are spread out";
}

TEST_F(RelayTest, LastErrorIsTruncated) {
  class LongErrorDeliverer final : public Deliverer {
   public:
    absl::Status Deliver(const OutboxMessage&) override {
      return absl::InternalError(std::string(5000, 'e'));
    }
  } long_error;
  OutboxMessage enqueued = EnqueueOne("audit", "a1");
  RelayOptions options = ExactOptions();
  options.max_error_bytes = 64;
  auto relay = MakeRelay({{"audit", &long_error}}, options);
  EXPECT_EQ(Delivered(*relay), 0);
  RowState row = Row(enqueued.id);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.last_error.size(), 64u);
  EXPECT_THAT(row.last_error, HasSubstr("INTERNAL"));
}

TEST_F(RelayTest, ThrowingDelivererCountsAsAFailure) {
  ThrowingDeliverer throwing;
  OutboxMessage enqueued = EnqueueOne("audit", "a1");
  auto relay = MakeRelay({{"audit", &throwing}});
  EXPECT_EQ(Delivered(*relay), 0);
  EXPECT_EQ(Row(enqueued.id).attempts, 1);
  EXPECT_THAT(Row(enqueued.id).last_error, HasSubstr("boom"));
}

TEST_F(RelayTest, RelayAfterRestartDeliversWhatThePreviousLeftExactlyOnce) {
  std::vector<OutboxMessage> enqueued;
  for (int i = 1; i <= 4; ++i) {
    enqueued.push_back(
        EnqueueOne(i % 2 == 0 ? "jobs" : "audit", "m" + std::to_string(i)));
  }
  audit_.FailForever();
  {
    auto first = MakeRelay({{"audit", &audit_}, {"jobs", &jobs_}});
    EXPECT_EQ(Delivered(*first), 2);  // the jobs; audit is down
    EXPECT_EQ(first->pending_count(), 2);
  }                                              // "process exits"
  enqueued.push_back(EnqueueOne("jobs", "m5"));  // while no relay runs

  RecordingDeliverer audit_after;
  RecordingDeliverer jobs_after;
  auto second = MakeRelay({{"audit", &audit_after}, {"jobs", &jobs_after}});
  EXPECT_EQ(second->pending_count(), 3);
  EXPECT_EQ(Delivered(*second), 1);  // m5; audit rows still backing off
  clock_.Advance(absl::Milliseconds(200));
  EXPECT_EQ(Delivered(*second), 2);
  EXPECT_EQ(Delivered(*second), 0);
  EXPECT_EQ(second->pending_count(), 0);

  EXPECT_THAT(audit_after.delivered_payloads(), ElementsAre("m1", "m3"));
  EXPECT_THAT(jobs_after.delivered_payloads(), ElementsAre("m5"));
  // Every message was delivered exactly once, under its enqueue-time key.
  absl::flat_hash_map<std::string, int> deliveries;
  for (RecordingDeliverer* d : {&audit_, &jobs_, &audit_after, &jobs_after}) {
    for (const OutboxMessage& m : d->delivered()) {
      ++deliveries[m.idempotency_key];
    }
  }
  EXPECT_EQ(deliveries.size(), enqueued.size());
  for (const OutboxMessage& m : enqueued) {
    EXPECT_EQ(deliveries[m.idempotency_key], 1) << m.payload;
  }
  // The retried audit row kept its key and attempt count across the restart.
  ASSERT_THAT(audit_after.delivered(), SizeIs(2));
  EXPECT_EQ(audit_after.delivered()[0].idempotency_key,
            enqueued[0].idempotency_key);
  EXPECT_EQ(audit_after.delivered()[0].attempts, 1);
}

TEST_F(RelayTest, WorkerDeliversSoonAfterNotifyAndStops) {
  absl::Notification first_delivered;
  absl::Notification second_delivered;
  audit_.SetOnDelivered([&](const OutboxMessage& message) {
    if (message.payload == "a1") first_delivered.Notify();
    if (message.payload == "a2") second_delivered.Notify();
  });
  RelayOptions options = ExactOptions();
  options.poll_interval = absl::Hours(1);  // only Notify() can wake it
  auto relay = MakeRelay({{"audit", &audit_}}, options);

  EnqueueOne("audit", "a1");
  relay->Start();
  relay->Start();  // no-op
  ASSERT_TRUE(first_delivered.WaitForNotificationWithTimeout(absl::Seconds(30)))
      << "the first round runs at Start()";
  // The first round read its rows before a2 existed: only Notify() brings a
  // second round within the hour.
  EnqueueOne("audit", "a2");
  relay->Notify();
  ASSERT_TRUE(
      second_delivered.WaitForNotificationWithTimeout(absl::Seconds(30)));

  const absl::Time stop_start = absl::Now();
  relay->Stop();
  EXPECT_LT(absl::Now() - stop_start, absl::Seconds(30))
      << "Stop() wakes the waiting worker";
  relay->Stop();  // idempotent
  EXPECT_EQ(relay->pending_count(), 0);
  EXPECT_THAT(audit_.delivered_payloads(), ElementsAre("a1", "a2"));
}

TEST_F(RelayTest, DestructorStopsARunningWorker) {
  absl::Notification delivered;
  audit_.SetOnDelivered([&](const OutboxMessage& message) {
    if (message.payload == "a1") delivered.Notify();
  });
  RelayOptions options = ExactOptions();
  options.poll_interval = absl::Hours(1);  // only a wake-up ends its wait
  auto relay = MakeRelay({{"audit", &audit_}}, options);
  ASSERT_NE(relay, nullptr);
  const OutboxMessage a1 = EnqueueOne("audit", "a1");
  relay->Start();
  ASSERT_TRUE(delivered.WaitForNotificationWithTimeout(absl::Seconds(30)))
      << "the worker runs";

  const absl::Time destroy_start = absl::Now();
  relay.reset();
  EXPECT_LT(absl::Now() - destroy_start, absl::Seconds(30))
      << "the destructor wakes the waiting worker instead of outwaiting "
         "its poll interval";
  EXPECT_FALSE(RowExists(a1.id))
      << "the worker was joined after its round deleted the delivered row";
  EXPECT_THAT(audit_.delivered_payloads(), ElementsAre("a1"));
}

}  // namespace
}  // namespace helpdesk::outbox
