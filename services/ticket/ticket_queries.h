#ifndef HELPDESK_SERVICES_TICKET_TICKET_QUERIES_H_
#define HELPDESK_SERVICES_TICKET_TICKET_QUERIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "helpdesk/tickets/v1/tickets.pb.h"
#include "libs/db/sql.h"

namespace helpdesk::ticket {

using Status = ::helpdesk::tickets::v1::Ticket::Status;

// The SQL of ticket listings, counts and searches, built per filter so each
// combination is its own cached statement with the right index (used by
// TicketStore only).

inline constexpr char kTicketColumns[] =
    "id, requester_id, title, body, status, assignee_id, create_time, "
    "update_time, escalate_time, version";

// ListTickets filters; 0 / unspecified / nullopt / "" mean "any".
struct TicketFilter {
  int64_t requester_id = 0;
  Status status = ::helpdesk::tickets::v1::Ticket::STATUS_UNSPECIFIED;
  std::optional<int64_t> assignee_id;  // 0: unassigned
  // A search (SetSearch): the same terms as an FTS5 MATCH expression
  // (SQLite) and as a tsquery (PostgreSQL). Empty: no search.
  std::string match;
  std::string tsquery;
};

// SELECT of one page of tickets matching `filter`, newest first, in the
// engine's SQL; binds FilterParams(), then the cursor id when
// `with_cursor`, then LIMIT.
std::string ListSql(db::Engine engine, const TicketFilter& filter,
                    bool with_cursor);

// SELECT of the total for `filter` (see TicketStore::Count); binds
// FilterParams().
std::string CountSql(db::Engine engine, const TicketFilter& filter);

// The filter's values in the order ListSql/CountSql bind them.
std::vector<db::Value> FilterParams(db::Engine engine,
                                    const TicketFilter& filter);

// Sets the filter's search (match and tsquery) from what a person typed.
void SetSearch(TicketFilter& filter, absl::string_view query);

// The FTS5 MATCH expression for what a person typed: every whitespace-
// separated term must appear as a word or a word prefix. Terms are quoted,
// so FTS operators (AND, OR, NEAR, *, ^, :, parentheses, quotes) and SQL in
// the input are only ever searched for, never interpreted. Terms in which
// FTS5 finds no word (only punctuation, symbols, emoji) are left out: they
// would match nothing. Empty when no term is left.
std::string SearchExpression(absl::string_view query);

// The same search as a PostgreSQL tsquery over SearchLexemes(): every
// token of every kept term as a prefix ('tok':*), all ANDed, each lexeme
// quoted, so tsquery operators (& | ! <-> : * parentheses quotes) and SQL
// in the input are text. Empty exactly when SearchExpression is.
// (One difference: FTS5 matches a term of several tokens, "wi-fi", as a
// phrase; here its tokens must all appear, in any order.)
std::string SearchTsQuery(absl::string_view query);

// The words of a ticket as FTS5's tokenizer sees them (unicode61,
// remove_diacritics 2: lower case, without diacritics), as a PostgreSQL
// text[] literal for array_to_tsvector(): so both engines index, and
// match, the same tokens.
std::string SearchLexemes(absl::string_view title, absl::string_view body);

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_QUERIES_H_
