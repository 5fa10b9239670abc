#include "libs/outbox/relay.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/clock/clock.h"
#include "libs/db/database.h"
#include "libs/db/pg/listener.h"
#include "libs/db/postgres_store.h"
#include "libs/log/log.h"
#include "libs/outbox/outbox.h"
#include "libs/status/status_macros.h"

namespace helpdesk::outbox {
namespace {

// Walks the distinct destinations through the (destination, id) index.
constexpr char kFirstDestinationSql[] = "SELECT MIN(destination) FROM outbox";
constexpr char kNextDestinationSql[] =
    "SELECT MIN(destination) FROM outbox WHERE destination > ?";
constexpr char kSelectHeadSql[] =
    "SELECT id, destination, idempotency_key, payload, attempts, "
    "create_time, next_attempt_time FROM outbox WHERE destination = ? "
    "ORDER BY id LIMIT ?";
constexpr char kDeleteSql[] = "DELETE FROM outbox WHERE id = ?";
constexpr char kRecordFailureSql[] =
    "UPDATE outbox SET attempts = attempts + 1, next_attempt_time = ?, "
    "last_error = ? WHERE id = ?";
constexpr char kCountSql[] = "SELECT COUNT(*) FROM outbox";
constexpr char kCountParkedSql[] = "SELECT COUNT(*) FROM outbox_parked";
constexpr char kParkSql[] =
    "INSERT INTO outbox_parked (id, destination, idempotency_key, payload, "
    "create_time, attempts, last_error, parked_time) "
    "SELECT id, destination, idempotency_key, payload, create_time, "
    "attempts + 1, ?, ? FROM outbox WHERE id = ?";
constexpr char kUnparkSql[] =
    "INSERT INTO outbox (destination, idempotency_key, payload, create_time, "
    "attempts, next_attempt_time, last_error) "
    "SELECT destination, idempotency_key, payload, create_time, 0, ?, "
    "last_error FROM outbox_parked ORDER BY id";
constexpr char kDeleteParkedSql[] = "DELETE FROM outbox_parked";
// Delivered to the listening replicas when the transaction commits.
constexpr char kAnnounceSql[] = "SELECT pg_notify(?, '')";

constexpr absl::Duration kMinDuration = absl::Milliseconds(1);
// How often a destination without a Deliverer is reported again.
constexpr absl::Duration kUnknownDestinationReportInterval = absl::Minutes(10);

RelayOptions Sanitize(RelayOptions options) {
  options.batch_size = std::max(options.batch_size, 1);
  options.poll_interval = std::max(options.poll_interval, kMinDuration);
  options.initial_backoff = std::max(options.initial_backoff, kMinDuration);
  options.max_backoff = std::max(options.max_backoff, options.initial_backoff);
  options.jitter = std::clamp(options.jitter, 0.0, 1.0);
  if (!(options.jitter >= 0.0)) options.jitter = 0.0;  // NaN
  return options;
}

// "CODE: message", cut to at most `max_bytes` without splitting a UTF-8
// sequence.
std::string ErrorText(const absl::Status& status, size_t max_bytes) {
  std::string text = absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                                  status.message());
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return text;
}

absl::Status CallDeliverer(Deliverer& deliverer, const OutboxMessage& message) {
  try {
    return deliverer.Deliver(message);
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("deliverer threw an exception: ", e.what()));
  } catch (...) {
    return absl::InternalError("deliverer threw an exception");
  }
}

}  // namespace

bool IsPermanentDeliveryFailure(const absl::Status& status) {
  return status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kDataLoss;
}

OutboxRelay::OutboxRelay(
    db::Store* store, absl::flat_hash_map<std::string, Deliverer*> deliverers,
    const Clock* clock, Options options)
    : deliverers_(std::move(deliverers)),
      clock_(clock),
      options_(Sanitize(options)),
      store_(store),
      lease_(options_.lease.empty() || store->engine() != db::Engine::kPostgres
                 ? nullptr
                 : std::make_unique<db::Lease>(store, options_.lease, clock,
                                               options_.lease_ttl)) {
  if (lease_ == nullptr) return;
  if (auto* postgres = dynamic_cast<db::PostgresStore*>(store)) {
    conninfo_ = postgres->conninfo();
    channel_ = postgres->schema() + "_outbox";
  }
}

OutboxRelay::~OutboxRelay() { Stop(); }

absl::StatusOr<int> OutboxRelay::RunOnce() {
  absl::MutexLock run_lock(&run_mu_);
  if (lease_ != nullptr) {
    ASSIGN_OR_RETURN(const bool held, lease_->Acquire());
    if (!held) return 0;  // another replica delivers
  }
  ASSIGN_OR_RETURN(std::vector<std::vector<OutboxMessage>> queues,
                   LoadDue(clock_->Now()));
  // Destinations take turns, one message each, so that a backlog on one
  // (audit after a burst of changes) delays another (jobs: notifications
  // people wait for) by at most one delivery per turn.
  std::vector<int64_t> delivered_ids;
  int parked = 0;
  std::vector<bool> stopped(queues.size(), false);
  absl::Status failure;
  for (size_t turn = 0; failure.ok(); ++turn) {
    // The lease may lapse: leave the rest to whoever holds it next.
    if (lease_ != nullptr && !lease_->HeldNow()) break;
    bool any = false;
    for (size_t q = 0; q < queues.size() && failure.ok(); ++q) {
      if (stopped[q] || turn >= queues[q].size()) continue;
      any = true;
      const OutboxMessage& message = queues[q][turn];
      Deliverer* deliverer = deliverers_.at(message.destination);
      absl::Status status = CallDeliverer(*deliverer, message);
      if (status.ok()) {
        delivered_ids.push_back(message.id);
        Log(LogLevel::kDebug, "outbox_delivered",
            {{"destination", message.destination},
             {"id", absl::StrCat(message.id)},
             {"attempts", absl::StrCat(message.attempts + 1)}});
      } else if (IsPermanentDeliveryFailure(status)) {
        // Out of the way; the rows behind it go on in this round.
        failure = Park(message, status);
        ++parked;
      } else {
        stopped[q] = true;
        failure = RecordFailure(message, status);
      }
    }
    if (!any) break;
  }
  // One transaction for the round's deletions. A crash before it commits
  // sends those rows again; consumers drop them by their idempotency key.
  if (absl::Status deleted = DeleteAll(delivered_ids); !deleted.ok()) {
    LogError("outbox_delete_failed",
             {{"rows", absl::StrCat(delivered_ids.size())},
              {"detail", deleted.ToString()}});
    return deleted;
  }
  RETURN_IF_ERROR(failure);
  // Parked rows count as handled: a full round goes again at once.
  return static_cast<int>(delivered_ids.size()) + parked;
}

absl::StatusOr<std::vector<std::vector<OutboxMessage>>> OutboxRelay::LoadDue(
    absl::Time now) {
  const int64_t now_micros = absl::ToUnixMicros(now);
  std::vector<std::vector<OutboxMessage>> due;
  std::vector<std::string> unknown;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& db) -> absl::Status {
    bool first = true;
    std::string destination;
    while (true) {
      ASSIGN_OR_RETURN(
          db::Rows next,
          first ? db.Query(kFirstDestinationSql)
                : db.Query(kNextDestinationSql, {db::Value(destination)}));
      first = false;
      if (next.empty() || next.IsNull(0, 0)) break;
      destination = next.Text(0, 0);

      if (!deliverers_.contains(destination)) {
        unknown.push_back(destination);
        continue;
      }
      ASSIGN_OR_RETURN(db::Rows head,
                       db.Query(kSelectHeadSql,
                                {db::Value(destination), options_.batch_size}));
      // Strict order per destination: stop at the first row not yet due.
      std::vector<OutboxMessage> queue;
      for (int r = 0; r < head.size() && head.Int64(r, 6) <= now_micros; ++r) {
        OutboxMessage& message = queue.emplace_back();
        message.id = head.Int64(r, 0);
        message.destination = head.Text(r, 1);
        message.idempotency_key = head.Text(r, 2);
        message.payload = head.Text(r, 3);
        message.attempts = static_cast<int>(head.Int64(r, 4));
        message.create_time = absl::FromUnixMicros(head.Int64(r, 5));
      }
      if (!queue.empty()) due.push_back(std::move(queue));
    }
    return absl::OkStatus();
  }));
  for (const std::string& destination : unknown) {
    WarnUnknownDestination(destination, now);
  }
  return due;
}

absl::Status OutboxRelay::DeleteAll(const std::vector<int64_t>& ids) {
  if (ids.empty()) return absl::OkStatus();
  return store_->Write([&](db::Connection& db) -> absl::Status {
    for (int64_t id : ids) {
      RETURN_IF_ERROR(db.Execute(kDeleteSql, {id}).status());
    }
    return absl::OkStatus();
  });
}

absl::Status OutboxRelay::RecordFailure(const OutboxMessage& message,
                                        const absl::Status& error) {
  const absl::Duration backoff = Backoff(message.attempts);
  const absl::Time retry_time = clock_->Now() + backoff;
  const std::string error_text = ErrorText(error, options_.max_error_bytes);
  LogWarning("outbox_delivery_failed",
             {{"destination", message.destination},
              {"id", absl::StrCat(message.id)},
              {"attempts", absl::StrCat(message.attempts + 1)},
              {"retry_in", absl::FormatDuration(backoff)},
              {"error", error_text}});
  return store_->WriteAutocommit([&](db::Connection& db) -> absl::Status {
    return db
        .Execute(kRecordFailureSql, {absl::ToUnixMicros(retry_time),
                                     db::Value(error_text), message.id})
        .status();
  });
}

absl::Status OutboxRelay::Park(const OutboxMessage& message,
                               const absl::Status& error) {
  const std::string error_text = ErrorText(error, options_.max_error_bytes);
  LogError("outbox_row_parked",
           {{"destination", message.destination},
            {"id", absl::StrCat(message.id)},
            {"idempotency_key", message.idempotency_key},
            {"attempts", absl::StrCat(message.attempts + 1)},
            {"error", error_text}});
  return store_->Write([&](db::Connection& db) -> absl::Status {
    RETURN_IF_ERROR(
        db.Execute(kParkSql, {db::Value(error_text),
                              absl::ToUnixMicros(clock_->Now()), message.id})
            .status());
    return db.Execute(kDeleteSql, {message.id}).status();
  });
}

absl::StatusOr<int> OutboxRelay::RetryParked() {
  int64_t moved = 0;
  RETURN_IF_ERROR(store_->Write([&](db::Connection& db) -> absl::Status {
    ASSIGN_OR_RETURN(
        moved, db.Execute(kUnparkSql, {absl::ToUnixMicros(clock_->Now())}));
    return db.Execute(kDeleteParkedSql).status();
  }));
  if (moved > 0) {
    LogInfo("outbox_parked_rows_retried", {{"rows", absl::StrCat(moved)}});
  }
  return static_cast<int>(moved);
}

absl::Duration OutboxRelay::Backoff(int attempts) {
  absl::Duration backoff = options_.initial_backoff;
  for (int i = 0; i < attempts && backoff < options_.max_backoff; ++i) {
    backoff *= 2;
  }
  backoff = std::min(backoff, options_.max_backoff);
  if (options_.jitter > 0) {
    backoff -= backoff * (options_.jitter *
                          absl::Uniform<double>(jitter_bits_, 0.0, 1.0));
  }
  return backoff;
}

void OutboxRelay::WarnUnknownDestination(const std::string& destination,
                                         absl::Time now) {
  auto [it, inserted] = unknown_reported_.try_emplace(destination, now);
  if (!inserted) {
    if (now - it->second < kUnknownDestinationReportInterval) return;
    it->second = now;
  }
  LogWarning("outbox_unknown_destination",
             {{"destination", destination},
              {"detail", "no deliverer; rows left in the outbox"}});
}

int64_t OutboxRelay::pending_count() { return Count(kCountSql); }

int64_t OutboxRelay::parked_count() { return Count(kCountParkedSql); }

int64_t OutboxRelay::Count(const char* sql) {
  int64_t count = 0;
  absl::Status status = store_->Read([&](db::Connection& db) -> absl::Status {
    ASSIGN_OR_RETURN(db::Rows rows, db.Query(sql));
    if (rows.empty()) return absl::InternalError("no count row");
    count = rows.Int64(0, 0);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    LogWarning("outbox_count_failed", {{"detail", status.ToString()}});
    return -1;
  }
  return count;
}

void OutboxRelay::Start() {
  absl::MutexLock lifecycle_lock(&lifecycle_mu_);
  if (worker_.joinable()) return;
  // A new start may be a release that accepts what the last one parked.
  if (absl::StatusOr<int> retried = RetryParked(); !retried.ok()) {
    LogWarning("outbox_parked_retry_failed",
               {{"detail", retried.status().ToString()}});
  }
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
    notified_ = false;
    announced_ = false;
  }
  worker_ = std::thread([this] { WorkerLoop(); });
  if (!channel_.empty()) {
    db::pg::ListenerOptions options;
    options.conninfo = conninfo_;
    options.channel = channel_;
    options.on_notify = [this](absl::string_view) { WakeForAnnouncement(); };
    // Rows announced while the listener was away wait for the next poll.
    options.on_listening = [this] { WakeForAnnouncement(); };
    absl::StatusOr<std::unique_ptr<db::pg::Listener>> listener =
        db::pg::Listener::Start(std::move(options));
    if (listener.ok()) {
      listener_ = std::move(*listener);
    } else {
      LogWarning("outbox_listen_failed",
                 {{"detail", listener.status().ToString()}});
    }
  }
}

int64_t OutboxRelay::listens() {
  absl::MutexLock lifecycle_lock(&lifecycle_mu_);
  return listener_ == nullptr ? 0 : listener_->listens();
}

void OutboxRelay::WakeForAnnouncement() {
  absl::MutexLock lock(&mu_);
  announced_ = true;
  wake_.Signal();
}

void OutboxRelay::Announce() {
  absl::Status announced = store_->Write([&](db::Connection& db) {
    return db.Query(kAnnounceSql, {channel_}).status();
  });
  if (!announced.ok()) {
    LogWarning("outbox_announce_failed", {{"detail", announced.ToString()}});
  }
}

void OutboxRelay::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
  wake_.Signal();
}

void OutboxRelay::Stop() {
  absl::MutexLock lifecycle_lock(&lifecycle_mu_);
  listener_.reset();  // no announcement wakes the worker any more
  if (worker_.joinable()) {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      wake_.SignalAll();
    }
    worker_.join();
  }
  // Another replica (or relay) may deliver at once; a no-op unless held.
  if (lease_ != nullptr) {
    if (absl::Status released = lease_->Release(); !released.ok()) {
      LogWarning("outbox_lease_release_failed",
                 {{"detail", released.ToString()}});
    }
  }
}

void OutboxRelay::WorkerLoop() {
  while (true) {
    bool local_write = false;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      local_write = notified_;
      notified_ = false;
      announced_ = false;
    }
    absl::StatusOr<int> delivered = RunOnce();
    if (!delivered.ok()) {
      LogWarning("outbox_round_failed",
                 {{"detail", delivered.status().ToString()}});
    }
    // Rows this replica wrote while another holds the lease: wake the
    // holder. (Announcements are not passed on, so they cannot circle.)
    if (local_write && !channel_.empty() && !lease_->HeldNow()) Announce();
    if (delivered.ok() && *delivered >= options_.batch_size) continue;

    absl::MutexLock lock(&mu_);
    const absl::Time deadline = absl::Now() + options_.poll_interval;
    while (!stopping_ && !notified_ && !announced_) {
      if (wake_.WaitWithDeadline(&mu_, deadline)) break;  // timed out
    }
  }
}

}  // namespace helpdesk::outbox
