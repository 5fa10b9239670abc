#include "services/ticket/ticket_store.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/db/sql.h"
#include "libs/db/store.h"
#include "libs/outbox/outbox.h"
#include "libs/status/status_macros.h"
#include "services/ticket/migrations.h"
#include "services/ticket/ticket_queries.h"

namespace helpdesk::ticket {
namespace {

constexpr char kInsertTicketSql[] =
    "INSERT INTO tickets (requester_id, title, body, status, assignee_id, "
    "create_time, update_time, escalate_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "RETURNING id";
// On PostgreSQL the row carries its own full-text entry.
constexpr char kPostgresInsertTicketSql[] =
    "INSERT INTO tickets (requester_id, title, body, status, assignee_id, "
    "create_time, update_time, escalate_time, search) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, array_to_tsvector(?::text[])) "
    "RETURNING id";
constexpr char kInsertFtsSql[] =
    "INSERT INTO tickets_fts (rowid, title, body) VALUES (?, ?, ?)";
constexpr char kDeleteFtsSql[] =
    "INSERT INTO tickets_fts (tickets_fts, rowid, title, body) "
    "VALUES ('delete', ?, ?, ?)";
constexpr char kSelectTicketSql[] =
    "SELECT id, requester_id, title, body, status, assignee_id, create_time, "
    "update_time, escalate_time, version, first_response_time FROM tickets "
    "WHERE id = ?";
constexpr char kUpdateTicketSql[] =
    "UPDATE tickets SET title = ?, body = ?, status = ?, assignee_id = ?, "
    "update_time = ?, escalate_time = ?, version = ?, first_response_time = ? "
    "WHERE id = ?";
constexpr char kPostgresUpdateSearchSql[] =
    "UPDATE tickets SET search = array_to_tsvector(?::text[]) WHERE id = ?";
constexpr char kTicketExistsSql[] = "SELECT 1 FROM tickets WHERE id = ?";
constexpr char kCountTicketsSql[] = "SELECT COUNT(*) FROM tickets";
constexpr char kInsertNoteSql[] =
    "INSERT INTO notes (ticket_id, author_id, body, create_time) "
    "VALUES (?, ?, ?, ?) RETURNING id";
constexpr char kListNotesSql[] =
    "SELECT id, ticket_id, author_id, body, create_time FROM notes "
    "WHERE ticket_id = ? AND id > ? ORDER BY id LIMIT ?";
constexpr char kInsertCommentSql[] =
    "INSERT INTO comments (ticket_id, author_id, author_role, body, "
    "create_time) VALUES (?, ?, ?, ?, ?) RETURNING id";
constexpr char kListCommentsSql[] =
    "SELECT id, ticket_id, author_id, author_role, body, create_time "
    "FROM comments WHERE ticket_id = ? AND id > ? ORDER BY id LIMIT ?";
constexpr char kSelectOverdueSql[] =
    "SELECT id, requester_id, title, body, status, assignee_id, create_time, "
    "update_time, escalate_time, version, first_response_time FROM tickets "
    "WHERE status = ? AND escalate_time = 0 AND create_time <= ? "
    "ORDER BY create_time, id LIMIT ?";
constexpr char kStampEscalationSql[] =
    "UPDATE tickets SET escalate_time = ?, version = version + 1 WHERE id = ?";
constexpr char kAdjustCountsSql[] =
    "INSERT INTO ticket_counts (requester_id, assignee_id, status, n) "
    "VALUES (?, ?, ?, ?) ON CONFLICT (requester_id, assignee_id, status) "
    "DO UPDATE SET n = ticket_counts.n + excluded.n";
constexpr char kAdjustTotalsSql[] =
    "INSERT INTO ticket_totals (assignee_id, status, n) VALUES (?, ?, ?) "
    "ON CONFLICT (assignee_id, status) "
    "DO UPDATE SET n = ticket_totals.n + excluded.n";

bool Postgres(const db::Connection& db) {
  return db.engine() == db::Engine::kPostgres;
}

TicketRecord ReadTicket(const db::Rows& rows, int row) {
  TicketRecord ticket;
  ticket.id = rows.Int64(row, 0);
  ticket.requester_id = rows.Int64(row, 1);
  ticket.title = rows.Text(row, 2);
  ticket.body = rows.Text(row, 3);
  ticket.status = static_cast<Status>(rows.Int64(row, 4));
  ticket.assignee_id = rows.Int64(row, 5);
  ticket.create_time = absl::FromUnixMicros(rows.Int64(row, 6));
  ticket.update_time = absl::FromUnixMicros(rows.Int64(row, 7));
  const int64_t escalated = rows.Int64(row, 8);
  if (escalated != 0) ticket.escalate_time = absl::FromUnixMicros(escalated);
  ticket.version = rows.Int64(row, 9);
  const int64_t responded = rows.Int64(row, 10);
  if (responded != 0) {
    ticket.first_response_time = absl::FromUnixMicros(responded);
  }
  return ticket;
}

std::vector<TicketRecord> ReadTickets(const db::Rows& rows) {
  std::vector<TicketRecord> tickets;
  tickets.reserve(rows.size());
  for (int r = 0; r < rows.size(); ++r) tickets.push_back(ReadTicket(rows, r));
  return tickets;
}

NoteRecord ReadNote(const db::Rows& rows, int row) {
  NoteRecord note;
  note.id = rows.Int64(row, 0);
  note.ticket_id = rows.Int64(row, 1);
  note.author_id = rows.Int64(row, 2);
  note.body = rows.Text(row, 3);
  note.create_time = absl::FromUnixMicros(rows.Int64(row, 4));
  return note;
}

// An optional time as stored: unix microseconds, 0 for none.
int64_t Micros(const std::optional<absl::Time>& time) {
  return time ? absl::ToUnixMicros(*time) : 0;
}

CommentRecord ReadComment(const db::Rows& rows, int row) {
  CommentRecord comment;
  comment.id = rows.Int64(row, 0);
  comment.ticket_id = rows.Int64(row, 1);
  comment.author_id = rows.Int64(row, 2);
  comment.author_role =
      static_cast<::helpdesk::auth::v1::User::Role>(rows.Int64(row, 3));
  comment.body = rows.Text(row, 4);
  comment.create_time = absl::FromUnixMicros(rows.Int64(row, 5));
  return comment;
}

// The ticket `id`, read on `db` (the writer inside a transaction, or a
// reader); NOT_FOUND when there is none.
absl::StatusOr<TicketRecord> SelectTicket(db::Connection& db, int64_t id) {
  ASSIGN_OR_RETURN(db::Rows rows, db.Query(kSelectTicketSql, {id}));
  if (rows.empty()) return absl::NotFoundError("no such ticket");
  return ReadTicket(rows, 0);
}

// Writes `items` to the outbox on `writer` (inside the change's
// transaction) at `now`.
absl::Status EnqueueItems(db::Connection& writer,
                          const std::vector<OutboxItem>& items,
                          absl::Time now) {
  for (const OutboxItem& item : items) {
    RETURN_IF_ERROR(
        outbox::Enqueue(writer, item.destination, item.payload, now).status());
  }
  return absl::OkStatus();
}

// Adds `delta` to the counters of the ticket's (requester, assignee,
// status), on `writer`.
absl::Status AdjustCounts(db::Connection& writer, const TicketRecord& ticket,
                          int delta) {
  const int status = static_cast<int>(ticket.status);
  RETURN_IF_ERROR(
      writer
          .Execute(kAdjustCountsSql,
                   {ticket.requester_id, ticket.assignee_id, status, delta})
          .status());
  return writer.Execute(kAdjustTotalsSql, {ticket.assignee_id, status, delta})
      .status();
}

// Inserts `ticket` (id assigned) with its full-text entry and counters, on
// `writer`.
absl::StatusOr<TicketRecord> InsertTicket(db::Connection& writer,
                                          const TicketRecord& ticket) {
  std::vector<db::Value> params = {ticket.requester_id,
                                   ticket.title,
                                   ticket.body,
                                   static_cast<int>(ticket.status),
                                   ticket.assignee_id,
                                   absl::ToUnixMicros(ticket.create_time),
                                   absl::ToUnixMicros(ticket.update_time),
                                   Micros(ticket.escalate_time)};
  if (Postgres(writer)) {
    params.push_back(SearchLexemes(ticket.title, ticket.body));
  }
  ASSIGN_OR_RETURN(db::Rows inserted,
                   writer.Query(Postgres(writer) ? kPostgresInsertTicketSql
                                                 : kInsertTicketSql,
                                params));
  TicketRecord stored = ticket;
  stored.id = inserted.Int64(0, 0);
  if (!Postgres(writer)) {
    RETURN_IF_ERROR(
        writer.Execute(kInsertFtsSql, {stored.id, stored.title, stored.body})
            .status());
  }
  RETURN_IF_ERROR(AdjustCounts(writer, stored, +1));
  return stored;
}

// Replaces the full-text entry of a ticket whose title or body changed.
absl::Status Reindex(db::Connection& writer, const TicketRecord& before,
                     const TicketRecord& after) {
  if (Postgres(writer)) {
    return writer
        .Execute(kPostgresUpdateSearchSql,
                 {SearchLexemes(after.title, after.body), after.id})
        .status();
  }
  RETURN_IF_ERROR(
      writer.Execute(kDeleteFtsSql, {before.id, before.title, before.body})
          .status());
  return writer.Execute(kInsertFtsSql, {after.id, after.title, after.body})
      .status();
}

absl::StatusOr<int64_t> InsertNote(db::Connection& writer,
                                   const NoteRecord& note) {
  ASSIGN_OR_RETURN(
      db::Rows inserted,
      writer.Query(kInsertNoteSql, {note.ticket_id, note.author_id, note.body,
                                    absl::ToUnixMicros(note.create_time)}));
  return inserted.Int64(0, 0);
}

absl::StatusOr<int64_t> InsertComment(db::Connection& writer,
                                      const CommentRecord& comment) {
  ASSIGN_OR_RETURN(
      db::Rows inserted,
      writer.Query(kInsertCommentSql,
                   {comment.ticket_id, comment.author_id,
                    static_cast<int>(comment.author_role), comment.body,
                    absl::ToUnixMicros(comment.create_time)}));
  return inserted.Int64(0, 0);
}

// Writes `after`, the ticket `before` changed at `now` (update_time and
// version follow), with its counters and full-text entry; nothing when it
// is unchanged. The ticket as it now is.
absl::StatusOr<TicketRecord> WriteChange(db::Connection& writer,
                                         const TicketRecord& before,
                                         TicketRecord after, absl::Time now) {
  const bool changed = after.title != before.title ||
                       after.body != before.body ||
                       after.status != before.status ||
                       after.assignee_id != before.assignee_id ||
                       after.escalate_time != before.escalate_time ||
                       after.first_response_time != before.first_response_time;
  if (!changed) return before;
  after.update_time = now;
  after.version = before.version + 1;
  RETURN_IF_ERROR(
      writer
          .Execute(kUpdateTicketSql,
                   {after.title, after.body, static_cast<int>(after.status),
                    after.assignee_id, absl::ToUnixMicros(after.update_time),
                    Micros(after.escalate_time), after.version,
                    Micros(after.first_response_time), after.id})
          .status());
  if (after.status != before.status ||
      after.assignee_id != before.assignee_id) {
    RETURN_IF_ERROR(AdjustCounts(writer, before, -1));
    RETURN_IF_ERROR(AdjustCounts(writer, after, +1));
  }
  if (after.title != before.title || after.body != before.body) {
    RETURN_IF_ERROR(Reindex(writer, before, after));
  }
  return after;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TicketStore>> TicketStore::Open(
    const db::Location& location, const Clock* clock) {
  db::StoreOptions options;
  options.location = location;
  options.migrations = TicketMigrations();
  options.postgres_migrations = TicketPostgresMigrations();
  ASSIGN_OR_RETURN(std::unique_ptr<db::Store> store, db::Store::Open(options));
  return std::unique_ptr<TicketStore>(new TicketStore(clock, std::move(store)));
}

absl::Time TicketStore::NowLocked() {
  last_write_time_ = std::max(last_write_time_, clock_->Now());
  return last_write_time_;
}

absl::StatusOr<TicketRecord> TicketStore::Create(const TicketRecord& ticket,
                                                 Emitter emit) {
  TicketRecord stored;
  // Concurrent creates share transactions; this runs as the only writer, on
  // whichever thread leads the batch.
  RETURN_IF_ERROR(
      store_->WriteBatched([&](db::Connection& writer) -> absl::Status {
        store_->AssertWriting();
        TicketRecord stamped = ticket;
        stamped.create_time = stamped.update_time = NowLocked();
        ASSIGN_OR_RETURN(stored, InsertTicket(writer, stamped));
        return EnqueueItems(writer, emit(stored), stored.create_time);
      }));
  return stored;
}

absl::StatusOr<TicketRecord> TicketStore::Get(int64_t id) {
  TicketRecord ticket;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    ASSIGN_OR_RETURN(ticket, SelectTicket(reader, id));
    return absl::OkStatus();
  }));
  return ticket;
}

absl::StatusOr<std::vector<TicketRecord>> TicketStore::List(
    const TicketFilter& filter, int64_t before_id, int limit) {
  std::vector<TicketRecord> tickets;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    std::vector<db::Value> params = FilterParams(reader.engine(), filter);
    if (before_id != 0) params.push_back(before_id);
    params.push_back(limit);
    ASSIGN_OR_RETURN(
        db::Rows rows,
        reader.Query(ListSql(reader.engine(), filter, before_id != 0), params));
    tickets = ReadTickets(rows);
    return absl::OkStatus();
  }));
  return tickets;
}

absl::StatusOr<int64_t> TicketStore::Count(const TicketFilter& filter) {
  int64_t count = 0;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    ASSIGN_OR_RETURN(db::Rows rows,
                     reader.Query(CountSql(reader.engine(), filter),
                                  FilterParams(reader.engine(), filter)));
    count = rows.Int64(0, 0);
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<TicketRecord> TicketStore::Update(int64_t id, Mutator mutate) {
  TicketRecord result;
  RETURN_IF_ERROR(store_->Write([&](db::Connection& writer) -> absl::Status {
    store_->AssertWriting();
    ASSIGN_OR_RETURN(const TicketRecord before, SelectTicket(writer, id));
    TicketRecord after = before;
    const absl::Time now = NowLocked();
    ASSIGN_OR_RETURN(std::vector<OutboxItem> items, mutate(after, now));
    ASSIGN_OR_RETURN(result, WriteChange(writer, before, after, now));
    // Left as it was: nothing happened, nothing to tell.
    if (result.version == before.version) return absl::OkStatus();
    return EnqueueItems(writer, items, now);
  }));
  return result;
}

absl::StatusOr<CommentOutcome> TicketStore::CreateComment(
    const CommentRecord& comment, CommentMutator effects) {
  CommentOutcome outcome;
  RETURN_IF_ERROR(store_->Write([&](db::Connection& writer) -> absl::Status {
    store_->AssertWriting();
    ASSIGN_OR_RETURN(const TicketRecord before,
                     SelectTicket(writer, comment.ticket_id));
    const absl::Time now = NowLocked();
    outcome.comment = comment;
    outcome.comment.create_time = now;
    ASSIGN_OR_RETURN(outcome.comment.id,
                     InsertComment(writer, outcome.comment));
    TicketRecord after = before;
    ASSIGN_OR_RETURN(CommentEffects effect, effects(after, outcome.comment));
    ASSIGN_OR_RETURN(outcome.ticket, WriteChange(writer, before, after, now));
    if (!effect.system_entry.empty()) {
      CommentRecord entry;
      entry.ticket_id = comment.ticket_id;
      entry.body = effect.system_entry;
      entry.create_time = now;
      RETURN_IF_ERROR(InsertComment(writer, entry).status());
    }
    return EnqueueItems(writer, effect.items, now);
  }));
  return outcome;
}

absl::StatusOr<std::vector<CommentRecord>> TicketStore::ListComments(
    int64_t ticket_id, int64_t after_id, int limit) {
  std::vector<CommentRecord> comments;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    ASSIGN_OR_RETURN(db::Rows rows, reader.Query(kListCommentsSql,
                                                 {ticket_id, after_id, limit}));
    for (int r = 0; r < rows.size(); ++r) {
      comments.push_back(ReadComment(rows, r));
    }
    return absl::OkStatus();
  }));
  return comments;
}

absl::StatusOr<NoteRecord> TicketStore::CreateNote(
    const NoteRecord& note,
    absl::FunctionRef<std::vector<OutboxItem>(const NoteRecord&)> emit) {
  NoteRecord stored = note;
  RETURN_IF_ERROR(store_->Write([&](db::Connection& writer) -> absl::Status {
    store_->AssertWriting();
    stored.create_time = NowLocked();
    ASSIGN_OR_RETURN(db::Rows exists,
                     writer.Query(kTicketExistsSql, {note.ticket_id}));
    if (exists.empty()) return absl::NotFoundError("no such ticket");
    ASSIGN_OR_RETURN(stored.id, InsertNote(writer, stored));
    return EnqueueItems(writer, emit(stored), stored.create_time);
  }));
  return stored;
}

absl::StatusOr<std::vector<NoteRecord>> TicketStore::ListNotes(
    int64_t ticket_id, int64_t after_id, int limit) {
  std::vector<NoteRecord> notes;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    ASSIGN_OR_RETURN(db::Rows rows,
                     reader.Query(kListNotesSql, {ticket_id, after_id, limit}));
    for (int r = 0; r < rows.size(); ++r) notes.push_back(ReadNote(rows, r));
    return absl::OkStatus();
  }));
  return notes;
}

absl::StatusOr<std::vector<TicketRecord>> TicketStore::EscalateOverdue(
    absl::Duration older_than, int limit, Emitter emit) {
  std::vector<TicketRecord> escalated;
  RETURN_IF_ERROR(store_->Write([&](db::Connection& writer) -> absl::Status {
    store_->AssertWriting();
    const absl::Time now = NowLocked();
    const absl::Time cutoff = now - older_than;
    ASSIGN_OR_RETURN(
        db::Rows overdue,
        writer.Query(kSelectOverdueSql,
                     {static_cast<int>(::helpdesk::tickets::v1::Ticket::OPEN),
                      absl::ToUnixMicros(cutoff), limit}));
    escalated = ReadTickets(overdue);
    for (TicketRecord& ticket : escalated) {
      ticket.escalate_time = now;
      ++ticket.version;
      RETURN_IF_ERROR(writer
                          .Execute(kStampEscalationSql,
                                   {absl::ToUnixMicros(now), ticket.id})
                          .status());
      RETURN_IF_ERROR(EnqueueItems(writer, emit(ticket), now));
    }
    return absl::OkStatus();
  }));
  return escalated;
}

absl::StatusOr<bool> TicketStore::SeedIfEmpty(
    const std::vector<TicketRecord>& tickets,
    const std::vector<std::vector<NoteRecord>>& notes) {
  bool seeded = false;
  RETURN_IF_ERROR(store_->Write([&](db::Connection& writer) -> absl::Status {
    seeded = false;
    ASSIGN_OR_RETURN(db::Rows count, writer.Query(kCountTicketsSql));
    if (count.Int64(0, 0) > 0) return absl::OkStatus();
    // Oldest first, so that id order is create_time order here too.
    std::vector<size_t> order(tickets.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return tickets[a].create_time < tickets[b].create_time;
    });
    for (size_t i : order) {
      ASSIGN_OR_RETURN(TicketRecord stored, InsertTicket(writer, tickets[i]));
      if (i >= notes.size()) continue;
      for (NoteRecord note : notes[i]) {
        note.ticket_id = stored.id;
        RETURN_IF_ERROR(InsertNote(writer, note).status());
      }
    }
    seeded = true;
    return absl::OkStatus();
  }));
  return seeded;
}

absl::Status TicketStore::ImportBatch(
    const std::vector<TicketRecord>& tickets) {
  return store_->Write([&](db::Connection& writer) -> absl::Status {
    for (const TicketRecord& ticket : tickets) {
      RETURN_IF_ERROR(InsertTicket(writer, ticket).status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> TicketStore::ExplainList(
    const TicketFilter& filter) {
  std::string plan;
  RETURN_IF_ERROR(store_->Read([&](db::Connection& reader) -> absl::Status {
    if (Postgres(reader)) {
      return absl::UnimplementedError("query plans are SQLite's");
    }
    // The plan does not depend on the values: bind every parameter NULL.
    const std::string sql = ListSql(reader.engine(), filter, true);
    const std::vector<db::Value> nulls(std::count(sql.begin(), sql.end(), '?'),
                                       db::Value::Null());
    ASSIGN_OR_RETURN(db::Rows rows,
                     reader.Query("EXPLAIN QUERY PLAN " + sql, nulls));
    for (int r = 0; r < rows.size(); ++r) {
      absl::StrAppend(&plan, rows.Text(r, 3), "\n");
    }
    return absl::OkStatus();
  }));
  return plan;
}

}  // namespace helpdesk::ticket
