#include "services/ticket/ticket_queries.h"

#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "libs/db/sql.h"

namespace helpdesk::ticket {
namespace {

constexpr char kTicketColumnsOfT[] =
    "t.id, t.requester_id, t.title, t.body, t.status, t.assignee_id, "
    "t.create_time, t.update_time, t.escalate_time, t.version, "
    "t.first_response_time";
// A search's total is counted exactly up to this many matches (1 000 then
// means "at least 1 000"). Counting is most of a search's cost for common
// words: 10 000 made searches 2.2x slower (docs/performance.md).
constexpr int kMaxCountedMatches = 1'000;

bool HasStatus(const TicketFilter& filter) {
  return filter.status != ::helpdesk::tickets::v1::Ticket::STATUS_UNSPECIFIED;
}

bool Postgres(db::Engine engine) { return engine == db::Engine::kPostgres; }

// The index for a listing without search: the most selective filter's,
// with the status when both are given. Pinned with INDEXED BY: SQLite
// without statistics may otherwise take an index whose order does not
// serve ORDER BY id and sort every match.
const char* IndexFor(const TicketFilter& filter) {
  if (filter.requester_id != 0) {
    return HasStatus(filter) ? "tickets_by_requester_status"
                             : "tickets_by_requester";
  }
  if (filter.assignee_id) {
    return HasStatus(filter) ? "tickets_by_assignee_status"
                             : "tickets_by_assignee";
  }
  if (HasStatus(filter)) return "tickets_by_status";
  return nullptr;
}

// The filter's conditions on `t` (the tickets table), in binding order.
std::vector<std::string> Conditions(const TicketFilter& filter,
                                    absl::string_view t) {
  std::vector<std::string> conditions;
  if (filter.requester_id != 0) {
    conditions.push_back(absl::StrCat(t, "requester_id = ?"));
  }
  if (HasStatus(filter)) conditions.push_back(absl::StrCat(t, "status = ?"));
  if (filter.assignee_id) {
    conditions.push_back(absl::StrCat(t, "assignee_id = ?"));
  }
  return conditions;
}

// Binds the filter's values in the order of its SQL: the search first
// (when there is one), then Conditions().
// A search walks the full-text index newest first (FTS5 serves ORDER BY
// rowid DESC and rowid < ? itself) and checks the other filters per match,
// stopping at the page's end.
// On PostgreSQL the tickets' own `search` tsvector (GIN-indexed) answers
// the match.
std::string SearchFrom(db::Engine engine, const TicketFilter& filter,
                       bool with_cursor) {
  std::vector<std::string> conditions = Conditions(filter, "t.");
  if (Postgres(engine)) {
    conditions.insert(conditions.begin(), "t.search @@ ?::tsquery");
    if (with_cursor) conditions.push_back("t.id < ?");
    return absl::StrCat(" FROM tickets t WHERE ",
                        absl::StrJoin(conditions, " AND "));
  }
  conditions.insert(conditions.begin(), "f.tickets_fts MATCH ?");
  if (with_cursor) conditions.push_back("f.rowid < ?");
  return absl::StrCat(
      " FROM tickets_fts f JOIN tickets t ON t.id = f.rowid WHERE ",
      absl::StrJoin(conditions, " AND "));
}

// The term as an FTS5 string: in double quotes, inner quotes doubled.
std::string Quote(absl::string_view term) {
  std::string quoted = "\"";
  for (char c : term) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

// FTS5's own tokenizer as tickets_fts uses it (migrations.cc: unicode61
// remove_diacritics 2), to tell which terms hold a token: which characters
// are separators (punctuation, symbols, emoji, dashes, ...) is Unicode's
// business, and a quoted term without a token is a phrase that matches
// nothing, so `printer —` or `printer 😀` would find no ticket at all.
// Its instances keep a scratch buffer: one call at a time.
class Tokenizer {
 public:
  static Tokenizer& Get() {
    static Tokenizer* tokenizer = new Tokenizer();
    return *tokenizer;
  }

  // True when the tokenizer is not there (SQLite without FTS5, where no
  // search works anyway): the term is kept.
  bool HasToken(absl::string_view term) {
    if (tokenizer_ == nullptr) return true;
    absl::MutexLock lock(&mu_);
    bool found = false;
    api_.xTokenize(tokenizer_, &found, FTS5_TOKENIZE_QUERY, term.data(),
                   static_cast<int>(term.size()), &OnToken);
    return found;
  }

  // Every token of `text`, as the index stores it.
  std::vector<std::string> Tokens(absl::string_view text) {
    std::vector<std::string> tokens;
    if (tokenizer_ == nullptr || text.empty()) return tokens;
    absl::MutexLock lock(&mu_);
    api_.xTokenize(tokenizer_, &tokens, FTS5_TOKENIZE_DOCUMENT, text.data(),
                   static_cast<int>(text.size()), &CollectToken);
    return tokens;
  }

 private:
  Tokenizer() {
    if (sqlite3_open(":memory:", &db_) != SQLITE_OK) return;
    fts5_api* fts5 = nullptr;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT fts5(?1)", -1, &statement, nullptr) ==
        SQLITE_OK) {
      sqlite3_bind_pointer(statement, 1, &fts5, "fts5_api_ptr", nullptr);
      sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    void* context = nullptr;
    if (fts5 == nullptr ||
        fts5->xFindTokenizer(fts5, "unicode61", &context, &api_) != SQLITE_OK) {
      return;
    }
    const char* args[] = {"remove_diacritics", "2"};
    if (api_.xCreate(context, args, 2, &tokenizer_) != SQLITE_OK) {
      tokenizer_ = nullptr;
    }
  }

  static int OnToken(void* found, int, const char*, int, int, int) {
    *static_cast<bool*>(found) = true;
    return SQLITE_DONE;  // one is enough
  }

  // PostgreSQL refuses lexemes over 2 KiB; a prefix of a long token still
  // matches what its prefix queries ask for.
  static constexpr int kMaxTokenBytes = 255;

  static int CollectToken(void* tokens, int, const char* token, int size, int,
                          int) {
    // Cut at a character boundary: PostgreSQL refuses broken UTF-8.
    int length = size;
    if (length > kMaxTokenBytes) {
      length = kMaxTokenBytes;
      while (length > 0 &&
             (static_cast<unsigned char>(token[length]) & 0xC0) == 0x80) {
        --length;
      }
    }
    static_cast<std::vector<std::string>*>(tokens)->emplace_back(token, length);
    return SQLITE_OK;
  }

  absl::Mutex mu_;
  sqlite3* db_ = nullptr;  // owns what the tokenizer comes from; never closed
  fts5_tokenizer api_ = {};
  Fts5Tokenizer* tokenizer_ = nullptr;
};

}  // namespace

std::vector<db::Value> FilterParams(db::Engine engine,
                                    const TicketFilter& filter) {
  // Built in place: GCC 12 at -O2 sees moved-from variants as
  // "maybe uninitialized".
  std::vector<db::Value> params;
  params.reserve(4);
  if (!filter.match.empty()) {
    params.emplace_back(Postgres(engine) ? filter.tsquery : filter.match);
  }
  if (filter.requester_id != 0) params.emplace_back(filter.requester_id);
  if (HasStatus(filter)) params.emplace_back(static_cast<int>(filter.status));
  if (filter.assignee_id) params.emplace_back(*filter.assignee_id);
  return params;
}

std::string ListSql(db::Engine engine, const TicketFilter& filter,
                    bool with_cursor) {
  if (!filter.match.empty()) {
    return absl::StrCat("SELECT ", kTicketColumnsOfT,
                        SearchFrom(engine, filter, with_cursor),
                        Postgres(engine) ? " ORDER BY t.id DESC LIMIT ?"
                                         : " ORDER BY f.rowid DESC LIMIT ?");
  }
  std::vector<std::string> conditions = Conditions(filter, "");
  if (with_cursor) conditions.push_back("id < ?");
  // PostgreSQL plans with statistics and has no INDEXED BY.
  const char* index = Postgres(engine) ? nullptr : IndexFor(filter);
  return absl::StrCat(
      "SELECT ", kTicketColumns, " FROM tickets",
      index != nullptr ? absl::StrCat(" INDEXED BY ", index) : "",
      conditions.empty() ? "" : " WHERE ", absl::StrJoin(conditions, " AND "),
      " ORDER BY id DESC LIMIT ?");
}

// total_size: a sum over the maintained counters, or for a search a count
// of the matches capped at kMaxCountedMatches.
std::string CountSql(db::Engine engine, const TicketFilter& filter) {
  if (!filter.match.empty()) {
    // Without other filters the index alone answers (no row lookups).
    const std::string from =
        Conditions(filter, "").empty() && !Postgres(engine)
            ? " FROM tickets_fts f WHERE f.tickets_fts MATCH ?"
            : SearchFrom(engine, filter, false);
    return absl::StrCat("SELECT COUNT(*) FROM (SELECT 1", from, " LIMIT ",
                        kMaxCountedMatches, ") AS matches");
  }
  const bool by_requester = filter.requester_id != 0;
  std::vector<std::string> conditions = Conditions(filter, "");
  return absl::StrCat("SELECT COALESCE(SUM(n), 0) FROM ",
                      by_requester ? "ticket_counts" : "ticket_totals",
                      conditions.empty() ? "" : " WHERE ",
                      absl::StrJoin(conditions, " AND "));
}

std::string SearchExpression(absl::string_view query) {
  std::vector<std::string> parts;
  for (absl::string_view term : absl::StrSplit(
           query, absl::ByAnyChar(" \t\r\n\f\v"), absl::SkipEmpty())) {
    // A term without a token (only punctuation, symbols, ...) would match
    // nothing.
    if (Tokenizer::Get().HasToken(term)) {
      parts.push_back(absl::StrCat(Quote(term), "*"));
    }
  }
  return absl::StrJoin(parts, " AND ");
}

namespace {

// A lexeme in a tsquery: in single quotes, quotes doubled, backslashes
// escaped.
std::string QuoteLexeme(absl::string_view token) {
  std::string quoted = "'";
  for (char c : token) {
    if (c == '\'') quoted.push_back('\'');
    if (c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('\'');
  return quoted;
}

}  // namespace

std::string SearchTsQuery(absl::string_view query) {
  std::vector<std::string> parts;
  for (absl::string_view term : absl::StrSplit(
           query, absl::ByAnyChar(" \t\r\n\f\v"), absl::SkipEmpty())) {
    for (const std::string& token : Tokenizer::Get().Tokens(term)) {
      parts.push_back(absl::StrCat(QuoteLexeme(token), ":*"));
    }
  }
  return absl::StrJoin(parts, " & ");
}

std::string SearchLexemes(absl::string_view title, absl::string_view body) {
  std::string literal = "{";
  bool first = true;
  for (absl::string_view text : {title, body}) {
    for (const std::string& token : Tokenizer::Get().Tokens(text)) {
      if (!first) literal.push_back(',');
      first = false;
      // An array element in double quotes, " and \ escaped.
      literal.push_back('"');
      for (char c : token) {
        if (c == '"' || c == '\\') literal.push_back('\\');
        literal.push_back(c);
      }
      literal.push_back('"');
    }
  }
  literal.push_back('}');
  return literal;
}

void SetSearch(TicketFilter& filter, absl::string_view query) {
  filter.match = SearchExpression(query);
  filter.tsquery = SearchTsQuery(query);
}

}  // namespace helpdesk::ticket
