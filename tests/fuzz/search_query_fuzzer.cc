// libFuzzer target: the ticket search query builder (services/ticket).
//
// The input is what a person types into the search box (ListTickets
// `query`). SearchExpression turns any bytes into an FTS5 MATCH expression;
// for input the service accepts (NormalizeQuery without violations) the
// expression is run, with the SQL TicketStore uses (ListSql, CountSql,
// BindFilter), against the real schema (every ticket migration, in memory)
// holding one ticket whose title is the query itself.
//
// Checked beyond "no crash": the expression is a sequence of quoted prefix
// terms, `"..."* AND "..."*`, quotes balanced and inner quotes doubled, each
// term one whitespace-separated word of the input in order, so FTS5
// operators and SQL in the input are only ever searched for; FTS5 accepts
// it; and the ticket whose title is exactly what was typed is found (listed
// and counted, with and without the other filters), as "every term appears
// as a word or a word prefix" promises.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "SQLiteCpp/Database.h"
#include "SQLiteCpp/Exception.h"
#include "SQLiteCpp/Statement.h"
#include "SQLiteCpp/Transaction.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "helpdesk/tickets/v1/tickets.pb.h"
#include "libs/db/migration.h"
#include "libs/status/error_details.h"
#include "services/ticket/migrations.h"
#include "services/ticket/ticket_queries.h"
#include "services/ticket/ticket_validation.h"
#include "tests/fuzz/fuzz_check.h"

namespace helpdesk::ticket {
namespace {

constexpr int64_t kTicketId = 7;
constexpr int64_t kRequesterId = 3;

// The terms of `expression`, unquoted; nullopt unless it is exactly
// `"t1"* AND "t2"* ...` with inner quotes doubled (or empty).
std::optional<std::vector<std::string>> ParseExpression(
    absl::string_view expression) {
  std::vector<std::string> terms;
  size_t i = 0;
  while (i < expression.size()) {
    if (!terms.empty()) {
      if (expression.substr(i, 5) != " AND ") return std::nullopt;
      i += 5;
    }
    if (i >= expression.size() || expression[i] != '"') return std::nullopt;
    ++i;
    std::string term;
    while (true) {
      if (i >= expression.size()) return std::nullopt;  // unbalanced quote
      if (expression[i] == '"') {
        if (i + 1 < expression.size() && expression[i + 1] == '"') {
          term.push_back('"');
          i += 2;
          continue;
        }
        ++i;
        break;
      }
      term.push_back(expression[i++]);
    }
    if (i >= expression.size() || expression[i] != '*') return std::nullopt;
    ++i;
    terms.push_back(std::move(term));
  }
  return terms;
}

void CheckExpression(absl::string_view input, const std::string& expression) {
  std::optional<std::vector<std::string>> terms = ParseExpression(expression);
  FUZZ_CHECK(terms.has_value());
  // In order, each a whole whitespace-separated word of the input.
  const std::vector<absl::string_view> words =
      absl::StrSplit(input, absl::ByAnyChar(" \t\r\n\f\v"), absl::SkipEmpty());
  size_t w = 0;
  for (const std::string& term : *terms) {
    FUZZ_CHECK(!term.empty());
    while (w < words.size() && words[w] != term) ++w;
    FUZZ_CHECK(w < words.size());
    ++w;
  }
}

// The ticket database with every migration applied, in memory.
class TicketDb {
 public:
  TicketDb()
      : db_(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE),
        insert_ticket_(Migrate(db_),
                       "INSERT INTO tickets (id, requester_id, title, body, "
                       "status, assignee_id, create_time, update_time) "
                       "VALUES (?, ?, ?, '', ?, 0, 0, 0)"),
        // As TicketStore indexes a new ticket.
        insert_fts_(db_,
                    "INSERT INTO tickets_fts (rowid, title, body) "
                    "VALUES (?, ?, '')") {}

  // One ticket titled `title`, found by `match`, alone and with the other
  // filters; rolled back afterwards.
  void CheckFinds(const std::string& title, const std::string& match) {
    SQLite::Transaction transaction(db_);
    insert_ticket_.reset();
    insert_ticket_.bind(1, kTicketId);
    insert_ticket_.bind(2, kRequesterId);
    insert_ticket_.bind(3, title);
    insert_ticket_.bind(4, static_cast<int>(tickets::v1::Ticket::OPEN));
    insert_ticket_.exec();
    insert_fts_.reset();
    insert_fts_.bind(1, kTicketId);
    insert_fts_.bind(2, title);
    insert_fts_.exec();

    TicketFilter alone;
    alone.match = match;
    TicketFilter filtered = alone;
    filtered.requester_id = kRequesterId;
    filtered.status = tickets::v1::Ticket::OPEN;
    filtered.assignee_id = 0;
    constexpr db::Engine kSqlite = db::Engine::kSqlite;
    for (const TicketFilter& filter : {alone, filtered}) {
      SQLite::Statement& list =
          Prepare(ListSql(kSqlite, filter, /*with_cursor=*/true));
      int index = Bind(list, FilterParams(kSqlite, filter));
      list.bind(index++, kTicketId + 1);
      list.bind(index, 10);
      FUZZ_CHECK(list.executeStep());
      FUZZ_CHECK(list.getColumn(0).getInt64() == kTicketId);
      FUZZ_CHECK(!list.executeStep());

      SQLite::Statement& count = Prepare(CountSql(kSqlite, filter));
      Bind(count, FilterParams(kSqlite, filter));
      FUZZ_CHECK(count.executeStep());
      FUZZ_CHECK(count.getColumn(0).getInt64() == 1);
    }
  }

 private:
  // Binds the filter's values (numbers and text) from the first parameter
  // on; returns the next index.
  static int Bind(SQLite::Statement& statement,
                  const std::vector<db::Value>& values) {
    int index = 1;
    for (const db::Value& value : values) {
      if (value.is_int()) {
        statement.bind(index++, static_cast<int64_t>(value.int_value()));
      } else {
        statement.bind(index++, std::string(value.text()));
      }
    }
    return index;
  }

  // A statement for `sql`, prepared once (as TicketStore caches them), reset.
  SQLite::Statement& Prepare(const std::string& sql) {
    std::unique_ptr<SQLite::Statement>& statement = statements_[sql];
    if (statement == nullptr) {
      statement = std::make_unique<SQLite::Statement>(db_, sql);
    }
    statement->reset();
    statement->clearBindings();
    return *statement;
  }

  static SQLite::Database& Migrate(SQLite::Database& db) {
    for (const db::Migration& migration : TicketMigrations()) {
      db.exec(migration.sql);
    }
    return db;
  }

  SQLite::Database db_;
  SQLite::Statement insert_ticket_;
  SQLite::Statement insert_fts_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

}  // namespace
}  // namespace helpdesk::ticket

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace helpdesk::ticket;  // NOLINT
  const absl::string_view raw(reinterpret_cast<const char*>(data), size);
  CheckExpression(raw, SearchExpression(raw));

  std::vector<helpdesk::FieldViolation> violations;
  const std::string query = NormalizeQuery(raw, &violations);
  if (!violations.empty()) return 0;
  const std::string match = SearchExpression(query);
  CheckExpression(query, match);
  if (match.empty()) return 0;
  static TicketDb* db = new TicketDb();
  try {
    db->CheckFinds(query, match);
  } catch (const SQLite::Exception& error) {
    std::fprintf(stderr, "MATCH %s: %s\n", match.c_str(), error.what());
    FUZZ_CHECK(false);
  }
  return 0;
}
