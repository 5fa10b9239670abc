#ifndef HELPDESK_SERVICES_TICKET_TICKET_QUERIES_H_
#define HELPDESK_SERVICES_TICKET_TICKET_QUERIES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "SQLiteCpp/Statement.h"
#include "absl/strings/string_view.h"
#include "helpdesk/tickets/v1/tickets.pb.h"

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
  std::string match;  // an FTS5 MATCH expression from SearchExpression()
};

// SELECT of one page of tickets matching `filter`, newest first; binds the
// filter (BindFilter), then the cursor id when `with_cursor`, then LIMIT.
std::string ListSql(const TicketFilter& filter, bool with_cursor);

// SELECT of the total for `filter` (see TicketStore::Count); binds the
// filter.
std::string CountSql(const TicketFilter& filter);

// Binds the filter's values in the order ListSql/CountSql use them; returns
// the next parameter index.
int BindFilter(SQLite::Statement& query, const TicketFilter& filter);

// The FTS5 MATCH expression for what a person typed: every whitespace-
// separated term must appear as a word or a word prefix. Terms are quoted,
// so FTS operators (AND, OR, NEAR, *, ^, :, parentheses, quotes) and SQL in
// the input are only ever searched for, never interpreted. Terms in which
// FTS5 finds no word (only punctuation, symbols, emoji) are left out: they
// would match nothing. Empty when no term is left.
std::string SearchExpression(absl::string_view query);

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_QUERIES_H_
