#include "services/ticket/migrations.h"

#include "absl/types/span.h"
#include "libs/db/migration.h"
#include "libs/outbox/outbox.h"

namespace helpdesk::ticket {
namespace {

// Times are unix microseconds; escalate_time 0 means "never escalated";
// assignee_id 0 means unassigned. tickets_fts is an external-content FTS5
// index over title and body that the store keeps in step with every insert
// and update (same transaction). Every listing filter has an index whose
// rowid order serves "newest first" directly. ticket_counts and
// ticket_totals hold how many tickets each (requester, assignee, status)
// and (assignee, status) has, maintained with every change, so total_size
// never counts rows.
constexpr char kTicketsSql[] = R"sql(
CREATE TABLE tickets (
  id INTEGER PRIMARY KEY,
  requester_id INTEGER NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  status INTEGER NOT NULL,
  assignee_id INTEGER NOT NULL DEFAULT 0,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  escalate_time INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tickets_by_requester ON tickets (requester_id);
CREATE INDEX tickets_by_requester_status ON tickets (requester_id, status);
CREATE INDEX tickets_by_status ON tickets (status);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id);
CREATE INDEX tickets_by_assignee_status ON tickets (assignee_id, status);
CREATE INDEX tickets_overdue ON tickets (status, escalate_time, create_time);
CREATE TABLE ticket_counts (
  requester_id INTEGER NOT NULL,
  assignee_id INTEGER NOT NULL,
  status INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (requester_id, assignee_id, status)
) WITHOUT ROWID;
CREATE TABLE ticket_totals (
  assignee_id INTEGER NOT NULL,
  status INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (assignee_id, status)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE tickets_fts USING fts5(
  title, body, content = 'tickets', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE notes (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets (id),
  author_id INTEGER NOT NULL,
  body TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
CREATE INDEX notes_by_ticket ON notes (ticket_id);
)sql";

// Search treats every term as a word prefix. Without a prefix index FTS5
// answers `"term"*` by merging the doclists of every token with that
// prefix in memory, for each query (~4 ms for a common word at 10^5
// tickets); with one, a prefix of an indexed length is one doclist read
// like a whole word (~0.2 ms). Longer terms fall back to the merge, which
// is cheap for them (few, rarer tokens). Costs ~4x the index size and ~30
// µs per inserted ticket.
constexpr char kPrefixIndexSql[] = R"sql(
DROP TABLE tickets_fts;
CREATE VIRTUAL TABLE tickets_fts USING fts5(
  title, body, content = 'tickets', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3 4 5 6 7 8 9 10'
);
INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');
)sql";

// Every change adds one; a Ticket's etag is made from it.
constexpr char kVersionSql[] = R"sql(
ALTER TABLE tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
)sql";

constexpr db::Migration kMigrations[] = {
    {1, "tickets, full-text index, notes", kTicketsSql},
    outbox::OutboxMigration(2),
    {3, "full-text prefix index", kPrefixIndexSql},
    outbox::OutboxParkedMigration(4),
    {5, "ticket versions (etags)", kVersionSql},
};

}  // namespace

absl::Span<const db::Migration> TicketMigrations() { return kMigrations; }

}  // namespace helpdesk::ticket
