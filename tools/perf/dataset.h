#ifndef HELPDESK_TOOLS_PERF_DATASET_H_
#define HELPDESK_TOOLS_PERF_DATASET_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/db/store.h"

namespace helpdesk::perf {

// A benchmark dataset, written straight through the services' own stores
// (in batches, not one RPC per row) so that helpdeskd opens it as its own:
// auth.db, tickets.db, audit.db, notifications.db in the data directory, or
// the same schemas of a PostgreSQL database.
struct DatasetOptions {
  // The data directory is created; neither it nor the database may hold a
  // dataset yet.
  db::Storage storage;
  // Accounts: the demo ones (admina@, adminb@, usera@…userd@example.com)
  // and then user7@bench.example.com…; every password is demo123.
  int users = 1000;
  int tickets = 100'000;
  int audit_events = 1'000'000;
  // Unread notifications in usera@'s inbox.
  int notifications = 100;
  // Tickets are created over this span before `now`, newest last. A span
  // beyond the escalation threshold makes them overdue.
  absl::Duration ticket_age = absl::Hours(12);
  // Ticket statuses: every ticket OPEN and unassigned (an escalation
  // dataset), or spread over OPEN/IN_PROGRESS/RESOLVED and the two admins.
  bool all_open_unassigned = false;
  absl::Time now = absl::Now();
};

struct DatasetSummary {
  absl::Duration users_took;
  absl::Duration tickets_took;
  absl::Duration audit_took;
};

// The demo accounts' ids in a generated dataset.
inline constexpr int64_t kAdminAId = 1;
inline constexpr int64_t kUserAId = 3;
inline constexpr int64_t kUserBId = 4;
// The one password of every generated account.
inline constexpr char kPassword[] = "demo123";

// Writes the dataset; exits nothing, returns the first store error.
absl::StatusOr<DatasetSummary> GenerateDataset(const DatasetOptions& options);

// Queues `count` ticket.status_changed jobs for `requester_id` in the jobs
// store (due now), as the ticket outbox would have: the drain benchmark's
// input.
absl::Status QueueStatusChangedJobs(const db::Storage& storage, int count,
                                    int64_t ticket_id, int64_t requester_id,
                                    absl::Time now);

// Ticket words for the search scenarios: one in nearly every generated
// ticket (the head of the Zipf vocabulary), one in well under 1 %.
inline constexpr char kCommonWord[] = "printer";
inline constexpr char kRareWord[] = "term1500";

}  // namespace helpdesk::perf

#endif  // HELPDESK_TOOLS_PERF_DATASET_H_
