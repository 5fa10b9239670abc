#ifndef HELPDESK_SERVICES_TICKET_TICKET_STORE_H_
#define HELPDESK_SERVICES_TICKET_TICKET_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "helpdesk/auth/v1/auth.pb.h"
#include "helpdesk/tickets/v1/tickets.pb.h"
#include "libs/clock/clock.h"
#include "libs/db/reader_pool.h"
#include "libs/db/store.h"
#include "services/ticket/ticket_queries.h"

namespace helpdesk::ticket {

struct TicketRecord {
  int64_t id = 0;
  int64_t requester_id = 0;
  std::string title;
  std::string body;
  Status status = ::helpdesk::tickets::v1::Ticket::OPEN;
  int64_t assignee_id = 0;  // 0: unassigned
  absl::Time create_time;
  absl::Time update_time;
  std::optional<absl::Time> escalate_time;
  // 1 on creation, +1 on every change: the etag's source.
  int64_t version = 1;
  // When an admin first replied (CreateComment).
  std::optional<absl::Time> first_response_time;
};

struct NoteRecord {
  int64_t id = 0;
  int64_t ticket_id = 0;
  int64_t author_id = 0;
  std::string body;
  absl::Time create_time;
};

// A reply in a ticket's public conversation.
struct CommentRecord {
  int64_t id = 0;
  int64_t ticket_id = 0;
  int64_t author_id = 0;  // 0: an entry of Helpdesk's own
  ::helpdesk::auth::v1::User::Role author_role =
      ::helpdesk::auth::v1::User::ROLE_UNSPECIFIED;
  std::string body;
  absl::Time create_time;
};

// Something a change must tell another service, written to the outbox in
// the change's transaction.
struct OutboxItem {
  std::string destination;
  std::string payload;
};

// Changes the ticket as stored (read inside the update's transaction) at
// `now`, the change's time, and returns the outbox items to emit. An update
// whose mutator leaves the ticket as it was writes nothing and emits
// nothing; an error aborts it.
using Mutator = absl::FunctionRef<absl::StatusOr<std::vector<OutboxItem>>(
    TicketRecord&, absl::Time now)>;
using Emitter = absl::FunctionRef<std::vector<OutboxItem>(const TicketRecord&)>;

// What a comment does besides being stored, decided inside its
// transaction: the ticket may change (it is the ticket as stored; the
// comment has its id and create_time), Helpdesk may add an entry of its own
// to the thread after it, and the outbox items to emit.
struct CommentEffects {
  std::vector<OutboxItem> items;
  std::string system_entry;  // empty: none
};
using CommentMutator = absl::FunctionRef<absl::StatusOr<CommentEffects>(
    TicketRecord& ticket, const CommentRecord& comment)>;

struct CommentOutcome {
  TicketRecord ticket;  // after the comment
  CommentRecord comment;
};

// Every SQL statement of the ticket service: tickets, their full-text
// index, notes, and the outbox rows each change emits (same transaction).
// Errors are absl::Status.
//
// Every change takes its time from the clock inside its transaction, never
// earlier than the change before it: so update_time, audit event times and
// outbox order agree, and id order is create_time order (ListTickets'
// newest-first by id is newest-first by create_time).
//
// Thread-safe. Changes are serialised writes on a db::Store (concurrent
// creates share one transaction: group commit); reads (Get, List, Count,
// ListNotes) run in parallel on the store's readers, so a slow search holds
// up neither other reads nor writes. A read sees every change committed
// before it starts.
class TicketStore final {
 public:
  // Opens (creating and migrating) the service's database at `location`.
  static absl::StatusOr<std::unique_ptr<TicketStore>> Open(
      const db::Location& location, const Clock* clock);

  // The store underneath, for the outbox relay.
  db::Store& db() { return *store_; }

  // Inserts a ticket (id assigned; create_time and update_time stamped
  // now) and the items `emit` returns for it.
  absl::StatusOr<TicketRecord> Create(const TicketRecord& ticket, Emitter emit);

  // NOT_FOUND when there is no such ticket.
  absl::StatusOr<TicketRecord> Get(int64_t id);

  // Tickets matching `filter` with id < before_id (0: from the newest),
  // newest first, at most `limit`.
  absl::StatusOr<std::vector<TicketRecord>> List(const TicketFilter& filter,
                                                 int64_t before_id, int limit);
  // How many tickets match: exact from maintained counters, or for a search
  // the matches counted up to 1 000 (kMaxCountedMatches in
  // ticket_queries.cc), so 1 000 means "at least 1 000".
  absl::StatusOr<int64_t> Count(const TicketFilter& filter);

  // Loads the ticket, lets `mutate` change it (or refuse with an error, or
  // leave it as it was), and writes the change with `mutate`'s outbox
  // items, all in one transaction. The change's time becomes update_time;
  // version goes up by one.
  absl::StatusOr<TicketRecord> Update(int64_t id, Mutator mutate);

  // Adds a note (create_time stamped now) to an existing ticket (NOT_FOUND
  // otherwise) with `items`.
  absl::StatusOr<NoteRecord> CreateNote(
      const NoteRecord& note,
      absl::FunctionRef<std::vector<OutboxItem>(const NoteRecord&)> emit);
  // Notes of a ticket with id > after_id, oldest first.
  absl::StatusOr<std::vector<NoteRecord>> ListNotes(int64_t ticket_id,
                                                    int64_t after_id,
                                                    int limit);

  // Adds `comment` (id and create_time assigned) to its ticket (NOT_FOUND
  // when there is none) and applies `effects` in the same transaction: a
  // change of the ticket counts as an update (update_time, version).
  absl::StatusOr<CommentOutcome> CreateComment(const CommentRecord& comment,
                                               CommentMutator effects);
  // Comments of a ticket with id > after_id, oldest first.
  absl::StatusOr<std::vector<CommentRecord>> ListComments(int64_t ticket_id,
                                                          int64_t after_id,
                                                          int limit);

  // Stamps escalate_time = now on up to `limit` OPEN tickets created at
  // least `older_than` before now that never escalated, with each one's
  // items, in one transaction. Returns the escalated tickets.
  absl::StatusOr<std::vector<TicketRecord>> EscalateOverdue(
      absl::Duration older_than, int limit, Emitter emit);

  // Inserts `tickets` (ids assigned) and their notes if the store has no
  // ticket yet; returns whether it did. No outbox items (demo data).
  absl::StatusOr<bool> SeedIfEmpty(
      const std::vector<TicketRecord>& tickets,
      const std::vector<std::vector<NoteRecord>>& notes);

  // Inserts `tickets` (ids assigned) in one transaction without outbox
  // items (dataset generators for benchmarks).
  absl::Status ImportBatch(const std::vector<TicketRecord>& tickets);

  // SQLite's plan for List (tests pin index use); UNIMPLEMENTED on
  // PostgreSQL.
  absl::StatusOr<std::string> ExplainList(const TicketFilter& filter);

 private:
  TicketStore(const Clock* clock, std::unique_ptr<db::Store> store)
      : clock_(clock), store_(std::move(store)) {}

  // The time of a change: the clock's, but never before the previous one.
  absl::Time NowLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(store_->write_mutex());

  const Clock* const clock_;
  // The writer (concurrent Create()s share transactions: WriteBatched), its
  // checkpointer and the readers of the file.
  const std::unique_ptr<db::Store> store_;
  absl::Time last_write_time_ ABSL_GUARDED_BY(store_->write_mutex()) =
      absl::InfinitePast();
};

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_STORE_H_
