#include "services/audit/audit_store.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "SQLiteCpp/Statement.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libs/db/database.h"
#include "libs/db/store.h"
#include "libs/status/status_macros.h"
#include "services/audit/audit_chain.h"
#include "services/audit/migrations.h"

namespace helpdesk::audit {
namespace {

constexpr char kColumns[] =
    "id, event_key, actor_id, action, entity_type, entity_id, "
    "before_snapshot, after_snapshot, create_time, content_hash, chain_hash";

constexpr char kSelectByKeySql[] =
    "SELECT id, event_key, actor_id, action, entity_type, entity_id, "
    "before_snapshot, after_snapshot, create_time, content_hash, chain_hash "
    "FROM audit_events WHERE event_key = ?";
constexpr char kSelectHeadSql[] =
    "SELECT id, chain_hash FROM audit_events ORDER BY id DESC LIMIT 1";
constexpr char kInsertSql[] =
    "INSERT INTO audit_events (id, event_key, actor_id, action, entity_type, "
    "entity_id, before_snapshot, after_snapshot, create_time, record_time, "
    "content_hash, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectAllInOrderSql[] =
    "SELECT id, event_key, actor_id, action, entity_type, entity_id, "
    "before_snapshot, after_snapshot, create_time, content_hash, chain_hash "
    "FROM audit_events ORDER BY id";

std::string Blob(SQLite::Statement& row, int column) {
  SQLite::Column value = row.getColumn(column);
  return std::string(static_cast<const char*>(value.getBlob()),
                     static_cast<size_t>(value.getBytes()));
}

StoredEvent ReadEvent(SQLite::Statement& row) {
  StoredEvent event;
  event.id = row.getColumn(0).getInt64();
  event.event_key = row.getColumn(1).getString();
  event.actor_id = row.getColumn(2).getInt64();
  event.action = row.getColumn(3).getString();
  event.entity_type = row.getColumn(4).getString();
  event.entity_id = row.getColumn(5).getInt64();
  event.before_snapshot = Blob(row, 6);
  event.after_snapshot = Blob(row, 7);
  event.create_time = absl::FromUnixMicros(row.getColumn(8).getInt64());
  event.content_hash = Blob(row, 9);
  event.chain_hash = Blob(row, 10);
  return event;
}

void BindBlob(SQLite::Statement& statement, int index, const std::string& b) {
  statement.bind(index, b.data(), static_cast<int>(b.size()));
}

// The index for a filter: the most selective filter present wins (one
// entity, then one actor, then one of ~10 actions, then one of a few entity
// types, else time). Pinned with INDEXED BY because SQLite without
// statistics may pick a far less selective index when filters combine
// (measured: actor + action took 90 ms instead of 1 ms on 10^6 events).
const char* IndexFor(const EventFilter& filter) {
  if (!filter.entity_type.empty() && filter.entity_id != 0) {
    return "audit_by_entity";
  }
  if (filter.actor_id != 0) return "audit_by_actor";
  if (!filter.action.empty()) return "audit_by_action";
  if (!filter.entity_type.empty()) return "audit_by_entity_type";
  return "audit_by_time";
}

// The SELECT for a filter; only the conditions in use appear, so each
// combination is its own cached statement.
std::string ListSql(const EventFilter& filter, bool with_cursor) {
  std::vector<std::string> conditions;
  if (filter.actor_id != 0) conditions.push_back("actor_id = ?");
  if (!filter.action.empty()) conditions.push_back("action = ?");
  if (!filter.entity_type.empty()) conditions.push_back("entity_type = ?");
  if (filter.entity_id != 0) conditions.push_back("entity_id = ?");
  if (filter.start_time) conditions.push_back("create_time >= ?");
  if (filter.end_time) conditions.push_back("create_time < ?");
  if (with_cursor) conditions.push_back("(create_time, id) < (?, ?)");
  return absl::StrCat("SELECT ", kColumns, " FROM audit_events INDEXED BY ",
                      IndexFor(filter), conditions.empty() ? "" : " WHERE ",
                      absl::StrJoin(conditions, " AND "),
                      " ORDER BY create_time DESC, id DESC LIMIT ?");
}

int BindFilter(SQLite::Statement& query, const EventFilter& filter) {
  int index = 1;
  if (filter.actor_id != 0) query.bind(index++, filter.actor_id);
  if (!filter.action.empty()) query.bind(index++, filter.action);
  if (!filter.entity_type.empty()) query.bind(index++, filter.entity_type);
  if (filter.entity_id != 0) query.bind(index++, filter.entity_id);
  if (filter.start_time) {
    query.bind(index++, absl::ToUnixMicros(*filter.start_time));
  }
  if (filter.end_time)
    query.bind(index++, absl::ToUnixMicros(*filter.end_time));
  return index;
}

// Appends `event` on `writer` (inside a write transaction) unless its key
// is recorded already; see AuditStore::Record.
absl::StatusOr<StoredEvent> Append(db::Database& writer, const NewEvent& event,
                                   absl::Time now, bool* created) {
  ASSIGN_OR_RETURN(SQLite::Statement * existing,
                   writer.Prepare(kSelectByKeySql));
  existing->bind(1, event.event_key);
  if (existing->executeStep()) {
    StoredEvent stored = ReadEvent(*existing);
    existing->reset();
    if (created != nullptr) *created = false;
    return stored;
  }
  existing->reset();

  ASSIGN_OR_RETURN(SQLite::Statement * head, writer.Prepare(kSelectHeadSql));
  StoredEvent stored;
  std::string previous = GenesisHash();
  if (head->executeStep()) {
    stored.id = head->getColumn(0).getInt64() + 1;
    previous = Blob(*head, 1);
  } else {
    stored.id = 1;
  }
  head->reset();
  stored.event_key = event.event_key;
  stored.actor_id = event.actor_id;
  stored.action = event.action;
  stored.entity_type = event.entity_type;
  stored.entity_id = event.entity_id;
  stored.before_snapshot = event.before_snapshot;
  stored.after_snapshot = event.after_snapshot;
  stored.create_time = event.create_time;
  stored.content_hash = ContentHash(stored);
  stored.chain_hash = ChainHash(previous, stored.content_hash);

  ASSIGN_OR_RETURN(SQLite::Statement * insert, writer.Prepare(kInsertSql));
  insert->bind(1, stored.id);
  insert->bind(2, stored.event_key);
  insert->bind(3, stored.actor_id);
  insert->bind(4, stored.action);
  insert->bind(5, stored.entity_type);
  insert->bind(6, stored.entity_id);
  BindBlob(*insert, 7, stored.before_snapshot);
  BindBlob(*insert, 8, stored.after_snapshot);
  insert->bind(9, absl::ToUnixMicros(stored.create_time));
  insert->bind(10, absl::ToUnixMicros(now));
  BindBlob(*insert, 11, stored.content_hash);
  BindBlob(*insert, 12, stored.chain_hash);
  insert->exec();
  if (created != nullptr) *created = true;
  return stored;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> AuditStore::Open(
    const std::string& path, int readers) {
  db::StoreOptions options;
  options.path = path;
  options.migrations = AuditMigrations();
  options.readers = readers;
  ASSIGN_OR_RETURN(std::unique_ptr<db::Store> store, db::Store::Open(options));
  return std::unique_ptr<AuditStore>(new AuditStore(std::move(store)));
}

absl::StatusOr<StoredEvent> AuditStore::Record(const NewEvent& event,
                                               absl::Time now, bool* created) {
  StoredEvent stored;
  RETURN_IF_ERROR(store_->Write([&](db::Database& writer) -> absl::Status {
    ASSIGN_OR_RETURN(stored, Append(writer, event, now, created));
    return absl::OkStatus();
  }));
  return stored;
}

absl::Status AuditStore::RecordBatch(absl::Span<const NewEvent> events,
                                     absl::Time now) {
  return store_->Write([&](db::Database& writer) -> absl::Status {
    for (const NewEvent& event : events) {
      RETURN_IF_ERROR(Append(writer, event, now, nullptr).status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<StoredEvent>> AuditStore::List(
    const EventFilter& filter, const std::optional<EventCursor>& after,
    int limit) {
  std::vector<StoredEvent> events;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    ASSIGN_OR_RETURN(SQLite::Statement * query,
                     reader.Prepare(ListSql(filter, after.has_value())));
    int index = BindFilter(*query, filter);
    if (after) {
      query->bind(index++, absl::ToUnixMicros(after->create_time));
      query->bind(index++, after->id);
    }
    query->bind(index, limit);
    while (query->executeStep()) events.push_back(ReadEvent(*query));
    return absl::OkStatus();
  }));
  return events;
}

absl::StatusOr<std::string> AuditStore::ExplainList(const EventFilter& filter) {
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

absl::StatusOr<ChainReport> AuditStore::VerifyChain() {
  ChainReport report;
  RETURN_IF_ERROR(store_->Read([&](db::Database& reader) -> absl::Status {
    // One statement: a consistent snapshot however long the walk.
    SQLite::Statement query(reader.connection(), kSelectAllInOrderSql);
    std::string previous = GenesisHash();
    while (query.executeStep()) {
      const StoredEvent event = ReadEvent(query);
      ++report.checked_count;
      if (ContentHash(event) != event.content_hash) {
        report.ok = false;
        report.first_broken_event_id = event.id;
        report.problem = "the event's content does not match its hash (edited)";
        return absl::OkStatus();
      }
      if (ChainHash(previous, event.content_hash) != event.chain_hash) {
        report.ok = false;
        report.first_broken_event_id = event.id;
        report.problem =
            "the event does not follow its predecessor (an earlier event was "
            "removed or altered)";
        return absl::OkStatus();
      }
      previous = event.chain_hash;
    }
    return absl::OkStatus();
  }));
  return report;
}

}  // namespace helpdesk::audit
