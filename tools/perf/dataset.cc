#include "tools/perf/dataset.h"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/any.pb.h"
#include "helpdesk/jobs/v1/jobs.pb.h"
#include "libs/clock/clock.h"
#include "libs/db/sql.h"
#include "libs/status/status_macros.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"
#include "services/auth/auth_store.h"
#include "services/jobs/job_store.h"
#include "services/jobs/job_types.h"
#include "services/notification/notification_store.h"
#include "services/ticket/ticket_store.h"

namespace helpdesk::perf {
namespace {

using ::helpdesk::tickets::v1::Ticket;

constexpr int kBatch = 10'000;

// Text over a Zipf-distributed vocabulary of 2 000 words: the domain words
// first and most frequent (kCommonWord is in ~9 % of tickets), invented
// ones ("term1234") rarer down the list, as in real text.
constexpr const char* kWords[] = {
    "printer", "laptop",   "vpn",     "email",  "password", "monitor",
    "network", "keyboard", "account", "access", "slow",     "broken",
    "crash",   "update",   "install", "wifi",   "phone",    "license"};
constexpr int kVocabulary = 2000;

std::string Sentence(absl::BitGen& bits, int words) {
  std::string text;
  for (int i = 0; i < words; ++i) {
    const int rank = static_cast<int>(
        absl::Zipf<int64_t>(bits, kVocabulary - 1, 1.0001, 1.0));
    absl::StrAppend(&text, i ? " " : "",
                    rank < 18 ? kWords[rank] : absl::StrCat("term", rank));
  }
  return text;
}

// The demo accounts through the auth service's own seeding (real Argon2id
// hashes), then the rest sharing usera@'s hash: hashing a thousand
// passwords would take a minute and measure nothing.
absl::Status GenerateUsers(const DatasetOptions& options) {
  RealClock clock;
  {
    auth::AuthComponentOptions auth_options;
    auth_options.storage = options.storage;
    auth_options.service_token = "dataset-generator";
    auth_options.service.page_token_key = "dataset-generator";
    ASSIGN_OR_RETURN(auto seeded,
                     auth::AuthComponent::Create(auth_options, &clock,
                                                 rpc::Peers::Unreachable()));
  }
  ASSIGN_OR_RETURN(auto store,
                   auth::AuthStore::Open(options.storage.For("auth")));
  ASSIGN_OR_RETURN(auth::UserRecord template_user,
                   store->FindUserByEmail("usera@example.com"));
  for (int i = 7; i <= options.users; ++i) {
    auth::UserRecord user = template_user;
    user.id = 0;
    user.email = absl::StrCat("user", i, "@bench.example.com");
    user.name = absl::StrCat("Bench User ", i);
    user.create_time = options.now;
    RETURN_IF_ERROR(store->CreateUserIfMissing(user).status());
  }
  return absl::OkStatus();
}

absl::Status GenerateTickets(const DatasetOptions& options) {
  RealClock clock;
  ASSIGN_OR_RETURN(auto store, ticket::TicketStore::Open(
                                   options.storage.For("tickets"), &clock));
  absl::BitGen bits;
  const int64_t last_user = std::max(options.users, 7);
  std::vector<ticket::TicketRecord> batch;
  batch.reserve(kBatch);
  for (int i = 0; i < options.tickets; ++i) {
    ticket::TicketRecord ticket;
    ticket.requester_id =
        absl::Uniform<int64_t>(absl::IntervalClosed, bits, kUserAId, last_user);
    ticket.title = Sentence(bits, 6);
    ticket.body = Sentence(bits, 40);
    if (!options.all_open_unassigned) {
      ticket.status = static_cast<Ticket::Status>(
          absl::Uniform(absl::IntervalClosed, bits, 1, 3));
      ticket.assignee_id = absl::Uniform(absl::IntervalClosed, bits, 0, 2);
    }
    ticket.create_time = options.now - options.ticket_age *
                                           (options.tickets - i) /
                                           std::max(options.tickets, 1);
    ticket.update_time = ticket.create_time;
    batch.push_back(std::move(ticket));
    if (batch.size() == kBatch || i + 1 == options.tickets) {
      RETURN_IF_ERROR(store->ImportBatch(batch));
      batch.clear();
    }
  }
  return absl::OkStatus();
}

absl::Status GenerateAudit(const DatasetOptions& options) {
  constexpr const char* kActions[] = {
      "user.registered", "user.login",        "user.logout",
      "ticket.created",  "ticket.edited",     "ticket.status_changed",
      "ticket.assigned", "ticket.unassigned", "note.created",
      "ticket.escalated"};
  RealClock clock;
  ASSIGN_OR_RETURN(auto audit,
                   audit::AuditComponent::Create(
                       {options.storage, "dataset-generator", "k"}, &clock));
  absl::BitGen bits;
  const absl::Time first = options.now - absl::Seconds(options.audit_events);
  std::vector<audit::NewEvent> batch;
  batch.reserve(kBatch);
  for (int i = 0; i < options.audit_events; ++i) {
    audit::NewEvent event;
    event.event_key = absl::StrCat("dataset-", i);
    event.actor_id = absl::Uniform<int64_t>(absl::IntervalClosed, bits, 1,
                                            std::max(options.users, 7));
    event.action = kActions[absl::Uniform<int>(bits, 0, 10)];
    const bool user_event = event.action.rfind("user.", 0) == 0;
    event.entity_type = user_event ? "user" : "ticket";
    event.entity_id =
        user_event ? event.actor_id
                   : absl::Uniform<int64_t>(absl::IntervalClosed, bits, 1,
                                            std::max(options.tickets, 1));
    event.create_time = first + absl::Seconds(i);
    batch.push_back(std::move(event));
    if (batch.size() == kBatch || i + 1 == options.audit_events) {
      RETURN_IF_ERROR(audit->store()->RecordBatch(batch, options.now));
      batch.clear();
    }
  }
  return absl::OkStatus();
}

absl::Status GenerateNotifications(const DatasetOptions& options) {
  ASSIGN_OR_RETURN(auto store, notification::NotificationStore::Open(
                                   options.storage.For("notifications")));
  for (int i = 1; i <= options.notifications; ++i) {
    notification::NotificationRecord record;
    record.user_id = kUserAId;
    record.ticket_id = i;
    record.subject = absl::StrCat("Ticket #", i, " changed status");
    record.message = "Your ticket is now IN_PROGRESS.";
    record.create_time = options.now;
    record.source_job_id = 1'000'000'000 + i;
    RETURN_IF_ERROR(store->CreateNotification(record).status());
  }
  return absl::OkStatus();
}

}  // namespace

// PostgreSQL plans with table statistics, which autovacuum gathers some
// time after a bulk load; a real deployment of this size has them. ANALYZE
// every table of the database now, so the runs measure those plans (e.g.
// a search for a word in most tickets walks the primary key newest first
// instead of sorting every match).
absl::Status AnalyzePostgres(const DatasetOptions& options) {
  if (options.storage.database_url.empty()) return absl::OkStatus();
  RealClock clock;
  ASSIGN_OR_RETURN(auto store, ticket::TicketStore::Open(
                                   options.storage.For("tickets"), &clock));
  return store->db().WriteAutocommit(
      [](db::Connection& db) { return db.ExecuteScript("ANALYZE"); });
}

absl::StatusOr<DatasetSummary> GenerateDataset(const DatasetOptions& options) {
  std::error_code ignored;
  std::filesystem::create_directories(options.storage.data_dir, ignored);
  DatasetSummary summary;
  absl::Time start = absl::Now();
  RETURN_IF_ERROR(GenerateUsers(options));
  summary.users_took = absl::Now() - start;
  start = absl::Now();
  RETURN_IF_ERROR(GenerateTickets(options));
  summary.tickets_took = absl::Now() - start;
  start = absl::Now();
  RETURN_IF_ERROR(GenerateAudit(options));
  summary.audit_took = absl::Now() - start;
  RETURN_IF_ERROR(GenerateNotifications(options));
  RETURN_IF_ERROR(AnalyzePostgres(options));
  return summary;
}

absl::Status QueueStatusChangedJobs(const db::Storage& storage, int count,
                                    int64_t ticket_id, int64_t requester_id,
                                    absl::Time now) {
  ASSIGN_OR_RETURN(auto store, jobs::JobStore::Open(storage.For("jobs")));
  const std::string tag = absl::StrCat(absl::ToUnixNanos(now));
  for (int i = 0; i < count; ++i) {
    jobs::v1::TicketStatusChangedPayload payload;
    payload.set_ticket_id(ticket_id);
    payload.set_ticket_title("Drain benchmark");
    payload.set_requester_id(requester_id);
    payload.set_old_status(Ticket::OPEN);
    payload.set_new_status(Ticket::IN_PROGRESS);
    payload.set_actor_id(kAdminAId);
    google::protobuf::Any any;
    any.PackFrom(payload);
    jobs::JobRecord job;
    job.type = jobs::kTicketStatusChanged;
    job.max_attempts = 10;
    job.run_time = now;
    job.create_time = now;
    job.update_time = now;
    job.dedupe_key = absl::StrCat("drain-", tag, "-", i);
    job.payload = any.SerializeAsString();
    RETURN_IF_ERROR(store->Enqueue(job).status());
  }
  return absl::OkStatus();
}

}  // namespace helpdesk::perf
