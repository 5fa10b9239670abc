#include "services/ticket/ticket_store.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/db/database.h"
#include "libs/db/store.h"
#include "libs/outbox/outbox.h"
#include "libs/status/status_macros.h"
#include "services/ticket/migrations.h"
#include "services/ticket/ticket_queries.h"

namespace helpdesk::ticket {
namespace {

constexpr char kInsertTicketSql[] =
    "INSERT INTO tickets (requester_id, title, body, status, assignee_id, "
    "create_time, update_time, escalate_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertFtsSql[] =
    "INSERT INTO tickets_fts (rowid, title, body) VALUES (?, ?, ?)";
constexpr char kDeleteFtsSql[] =
    "INSERT INTO tickets_fts (tickets_fts, rowid, title, body) "
    "VALUES ('delete', ?, ?, ?)";
constexpr char kSelectTicketSql[] =
    "SELECT id, requester_id, title, body, status, assignee_id, create_time, "
    "update_time, escalate_time, version FROM tickets WHERE id = ?";
constexpr char kUpdateTicketSql[] =
    "UPDATE tickets SET title = ?, body = ?, status = ?, assignee_id = ?, "
    "update_time = ?, escalate_time = ?, version = ? WHERE id = ?";
constexpr char kTicketExistsSql[] = "SELECT 1 FROM tickets WHERE id = ?";
constexpr char kCountTicketsSql[] = "SELECT COUNT(*) FROM tickets";
constexpr char kInsertNoteSql[] =
    "INSERT INTO notes (ticket_id, author_id, body, create_time) "
    "VALUES (?, ?, ?, ?)";
constexpr char kListNotesSql[] =
    "SELECT id, ticket_id, author_id, body, create_time FROM notes "
    "WHERE ticket_id = ? AND id > ? ORDER BY id LIMIT ?";
constexpr char kSelectOverdueSql[] =
    "SELECT id, requester_id, title, body, status, assignee_id, create_time, "
    "update_time, escalate_time, version FROM tickets "
    "WHERE status = ? AND escalate_time = 0 AND create_time <= ? "
    "ORDER BY create_time, id LIMIT ?";
constexpr char kStampEscalationSql[] =
    "UPDATE tickets SET escalate_time = ?, version = version + 1 WHERE id = ?";

TicketRecord ReadTicket(SQLite::Statement& row) {
  TicketRecord ticket;
  ticket.id = row.getColumn(0).getInt64();
  ticket.requester_id = row.getColumn(1).getInt64();
  ticket.title = row.getColumn(2).getString();
  ticket.body = row.getColumn(3).getString();
  ticket.status = static_cast<Status>(row.getColumn(4).getInt());
  ticket.assignee_id = row.getColumn(5).getInt64();
  ticket.create_time = absl::FromUnixMicros(row.getColumn(6).getInt64());
  ticket.update_time = absl::FromUnixMicros(row.getColumn(7).getInt64());
  const int64_t escalated = row.getColumn(8).getInt64();
  if (escalated != 0) ticket.escalate_time = absl::FromUnixMicros(escalated);
  ticket.version = row.getColumn(9).getInt64();
  return ticket;
}

NoteRecord ReadNote(SQLite::Statement& row) {
  NoteRecord note;
  note.id = row.getColumn(0).getInt64();
  note.ticket_id = row.getColumn(1).getInt64();
  note.author_id = row.getColumn(2).getInt64();
  note.body = row.getColumn(3).getString();
  note.create_time = absl::FromUnixMicros(row.getColumn(4).getInt64());
  return note;
}

int64_t EscalateMicros(const TicketRecord& ticket) {
  return ticket.escalate_time ? absl::ToUnixMicros(*ticket.escalate_time) : 0;
}

// The ticket `id`, read on `db` (the writer inside a transaction, or a
// reader); NOT_FOUND when there is none.
absl::StatusOr<TicketRecord> SelectTicket(db::Database& db, int64_t id) {
  ASSIGN_OR_RETURN(SQLite::Statement * query, db.Prepare(kSelectTicketSql));
  query->bind(1, id);
  if (!query->executeStep()) return absl::NotFoundError("no such ticket");
  TicketRecord ticket = ReadTicket(*query);
  query->reset();
  return ticket;
}

constexpr char kAdjustCountsSql[] =
    "INSERT INTO ticket_counts (requester_id, assignee_id, status, n) "
    "VALUES (?, ?, ?, ?) ON CONFLICT (requester_id, assignee_id, status) "
    "DO UPDATE SET n = n + excluded.n";
constexpr char kAdjustTotalsSql[] =
    "INSERT INTO ticket_totals (assignee_id, status, n) VALUES (?, ?, ?) "
    "ON CONFLICT (assignee_id, status) DO UPDATE SET n = n + excluded.n";

// Writes `items` to the outbox on `writer` (inside the change's
// transaction) at `now`.
absl::Status EnqueueItems(db::Database& writer,
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
absl::Status AdjustCounts(db::Database& writer, const TicketRecord& ticket,
                          int delta) {
  ASSIGN_OR_RETURN(SQLite::Statement * counts,
                   writer.Prepare(kAdjustCountsSql));
  counts->bind(1, ticket.requester_id);
  counts->bind(2, ticket.assignee_id);
  counts->bind(3, static_cast<int>(ticket.status));
  counts->bind(4, delta);
  counts->exec();
  ASSIGN_OR_RETURN(SQLite::Statement * totals,
                   writer.Prepare(kAdjustTotalsSql));
  totals->bind(1, ticket.assignee_id);
  totals->bind(2, static_cast<int>(ticket.status));
  totals->bind(3, delta);
  totals->exec();
  return absl::OkStatus();
}

// Inserts `ticket` (id assigned) with its full-text entry and counters, on
// `writer`.
absl::StatusOr<TicketRecord> InsertTicket(db::Database& writer,
                                          const TicketRecord& ticket) {
  ASSIGN_OR_RETURN(SQLite::Statement * insert,
                   writer.Prepare(kInsertTicketSql));
  insert->bind(1, ticket.requester_id);
  insert->bind(2, ticket.title);
  insert->bind(3, ticket.body);
  insert->bind(4, static_cast<int>(ticket.status));
  insert->bind(5, ticket.assignee_id);
  insert->bind(6, absl::ToUnixMicros(ticket.create_time));
  insert->bind(7, absl::ToUnixMicros(ticket.update_time));
  insert->bind(8, EscalateMicros(ticket));
  insert->exec();
  TicketRecord stored = ticket;
  stored.id = writer.connection().getLastInsertRowid();
  ASSIGN_OR_RETURN(SQLite::Statement * fts, writer.Prepare(kInsertFtsSql));
  fts->bind(1, stored.id);
  fts->bind(2, stored.title);
  fts->bind(3, stored.body);
  fts->exec();
  RETURN_IF_ERROR(AdjustCounts(writer, stored, +1));
  return stored;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TicketStore>> TicketStore::Open(
    const std::string& path, const Clock* clock, int readers) {
  db::StoreOptions options;
  options.path = path;
  options.migrations = TicketMigrations();
  options.readers = readers;
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
      store_->WriteBatched([&](db::Database& writer) -> absl::Status {
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
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(ticket, SelectTicket(reader, id));
    return absl::OkStatus();
  }));
  return ticket;
}

absl::StatusOr<std::vector<TicketRecord>> TicketStore::List(
    const TicketFilter& filter, int64_t before_id, int limit) {
  std::vector<TicketRecord> tickets;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * query,
                     reader.Prepare(ListSql(filter, before_id != 0)));
    int index = BindFilter(*query, filter);
    if (before_id != 0) query->bind(index++, before_id);
    query->bind(index, limit);
    while (query->executeStep()) tickets.push_back(ReadTicket(*query));
    return absl::OkStatus();
  }));
  return tickets;
}

absl::StatusOr<int64_t> TicketStore::Count(const TicketFilter& filter) {
  int64_t count = 0;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * query,
                     reader.Prepare(CountSql(filter)));
    BindFilter(*query, filter);
    query->executeStep();
    count = query->getColumn(0).getInt64();
    query->reset();
    return absl::OkStatus();
  }));
  return count;
}

absl::StatusOr<TicketRecord> TicketStore::Update(int64_t id, Mutator mutate) {
  TicketRecord result;
  RETURN_IF_ERROR(store_->Write([&](db::Database& writer) -> absl::Status {
    store_->AssertWriting();
    ASSIGN_OR_RETURN(const TicketRecord before, SelectTicket(writer, id));
    TicketRecord after = before;
    const absl::Time now = NowLocked();
    ASSIGN_OR_RETURN(std::vector<OutboxItem> items, mutate(after, now));
    const bool changed = after.title != before.title ||
                         after.body != before.body ||
                         after.status != before.status ||
                         after.assignee_id != before.assignee_id ||
                         after.escalate_time != before.escalate_time;
    if (!changed) {
      result = before;
      return absl::OkStatus();
    }
    after.update_time = now;
    after.version = before.version + 1;
    ASSIGN_OR_RETURN(SQLite::Statement * update,
                     writer.Prepare(kUpdateTicketSql));
    update->bind(1, after.title);
    update->bind(2, after.body);
    update->bind(3, static_cast<int>(after.status));
    update->bind(4, after.assignee_id);
    update->bind(5, absl::ToUnixMicros(after.update_time));
    update->bind(6, EscalateMicros(after));
    update->bind(7, after.version);
    update->bind(8, id);
    update->exec();
    if (after.status != before.status ||
        after.assignee_id != before.assignee_id) {
      RETURN_IF_ERROR(AdjustCounts(writer, before, -1));
      RETURN_IF_ERROR(AdjustCounts(writer, after, +1));
    }
    if (after.title != before.title || after.body != before.body) {
      ASSIGN_OR_RETURN(SQLite::Statement * remove,
                       writer.Prepare(kDeleteFtsSql));
      remove->bind(1, id);
      remove->bind(2, before.title);
      remove->bind(3, before.body);
      remove->exec();
      ASSIGN_OR_RETURN(SQLite::Statement * add, writer.Prepare(kInsertFtsSql));
      add->bind(1, id);
      add->bind(2, after.title);
      add->bind(3, after.body);
      add->exec();
    }
    RETURN_IF_ERROR(EnqueueItems(writer, items, now));
    result = after;
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<NoteRecord> TicketStore::CreateNote(
    const NoteRecord& note,
    absl::FunctionRef<std::vector<OutboxItem>(const NoteRecord&)> emit) {
  NoteRecord stored = note;
  RETURN_IF_ERROR(store_->Write([&](db::Database& writer) -> absl::Status {
    store_->AssertWriting();
    stored.create_time = NowLocked();
    ASSIGN_OR_RETURN(SQLite::Statement * exists,
                     writer.Prepare(kTicketExistsSql));
    exists->bind(1, note.ticket_id);
    if (!exists->executeStep()) return absl::NotFoundError("no such ticket");
    exists->reset();
    ASSIGN_OR_RETURN(SQLite::Statement * insert,
                     writer.Prepare(kInsertNoteSql));
    insert->bind(1, note.ticket_id);
    insert->bind(2, note.author_id);
    insert->bind(3, note.body);
    insert->bind(4, absl::ToUnixMicros(stored.create_time));
    insert->exec();
    stored.id = writer.connection().getLastInsertRowid();
    return EnqueueItems(writer, emit(stored), stored.create_time);
  }));
  return stored;
}

absl::StatusOr<std::vector<NoteRecord>> TicketStore::ListNotes(
    int64_t ticket_id, int64_t after_id, int limit) {
  std::vector<NoteRecord> notes;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * query, reader.Prepare(kListNotesSql));
    query->bind(1, ticket_id);
    query->bind(2, after_id);
    query->bind(3, limit);
    while (query->executeStep()) notes.push_back(ReadNote(*query));
    return absl::OkStatus();
  }));
  return notes;
}

absl::StatusOr<std::vector<TicketRecord>> TicketStore::EscalateOverdue(
    absl::Duration older_than, int limit, Emitter emit) {
  std::vector<TicketRecord> escalated;
  RETURN_IF_ERROR(store_->Write([&](db::Database& writer) -> absl::Status {
    store_->AssertWriting();
    const absl::Time now = NowLocked();
    const absl::Time cutoff = now - older_than;
    ASSIGN_OR_RETURN(SQLite::Statement * query,
                     writer.Prepare(kSelectOverdueSql));
    query->bind(1, static_cast<int>(::helpdesk::tickets::v1::Ticket::OPEN));
    query->bind(2, absl::ToUnixMicros(cutoff));
    query->bind(3, limit);
    while (query->executeStep()) escalated.push_back(ReadTicket(*query));
    query->reset();
    ASSIGN_OR_RETURN(SQLite::Statement * stamp,
                     writer.Prepare(kStampEscalationSql));
    for (TicketRecord& ticket : escalated) {
      ticket.escalate_time = now;
      ++ticket.version;
      stamp->reset();
      stamp->bind(1, absl::ToUnixMicros(now));
      stamp->bind(2, ticket.id);
      stamp->exec();
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
  RETURN_IF_ERROR(store_->Write([&](db::Database& writer) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * count,
                     writer.Prepare(kCountTicketsSql));
    count->executeStep();
    const int64_t existing = count->getColumn(0).getInt64();
    count->reset();
    if (existing > 0) return absl::OkStatus();
    ASSIGN_OR_RETURN(SQLite::Statement * insert_note,
                     writer.Prepare(kInsertNoteSql));
    // Oldest first, so that id order is create_time order here too.
    std::vector<size_t> order(tickets.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return tickets[a].create_time < tickets[b].create_time;
    });
    for (size_t i : order) {
      ASSIGN_OR_RETURN(TicketRecord stored, InsertTicket(writer, tickets[i]));
      if (i >= notes.size()) continue;
      for (const NoteRecord& note : notes[i]) {
        insert_note->reset();
        insert_note->bind(1, stored.id);
        insert_note->bind(2, note.author_id);
        insert_note->bind(3, note.body);
        insert_note->bind(4, absl::ToUnixMicros(note.create_time));
        insert_note->exec();
      }
    }
    seeded = true;
    return absl::OkStatus();
  }));
  return seeded;
}

absl::Status TicketStore::ImportBatch(
    const std::vector<TicketRecord>& tickets) {
  return store_->Write([&](db::Database& writer) -> absl::Status {
    for (const TicketRecord& ticket : tickets) {
      RETURN_IF_ERROR(InsertTicket(writer, ticket).status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> TicketStore::ExplainList(
    const TicketFilter& filter) {
  std::string plan;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    SQLite::Statement explain(reader.connection(),
                              "EXPLAIN QUERY PLAN " + ListSql(filter, true));
    while (explain.executeStep()) {
      absl::StrAppend(&plan, explain.getColumn(3).getString(), "\n");
    }
    return absl::OkStatus();
  }));
  return plan;
}

}  // namespace helpdesk::ticket
