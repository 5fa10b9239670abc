#ifndef HELPDESK_SERVICES_TICKET_TICKET_SERVICE_H_
#define HELPDESK_SERVICES_TICKET_TICKET_SERVICE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/clients/audit_client.h"
#include "libs/clients/auth_client.h"
#include "libs/clock/clock.h"
#include "libs/outbox/relay.h"
#include "libs/paging/page_token.h"
#include "libs/ratelimit/rate_limiter.h"
#include "services/ticket/ticket_presenter.h"
#include "services/ticket/ticket_store.h"

namespace helpdesk::ticket {

struct TicketServiceOptions {
  ratelimit::RateLimit create_per_user{10, absl::Hours(1)};
  // Title and body edits by owners: each stores its old and new text in
  // the audit trail, so they are bounded like creates.
  ratelimit::RateLimit edit_per_user{30, absl::Hours(1)};
  // Public replies, by requesters and agents alike.
  ratelimit::RateLimit comment_per_user{30, absl::Minutes(10)};
  bool rate_limits = true;
  // EscalateOverdue's threshold when the request names none.
  absl::Duration escalate_after = absl::Hours(24);
  std::string page_token_key;
  // How long the names and emails of people on tickets are reused before
  // AuthService is asked again (see TicketPresenter).
  absl::Duration user_cache_ttl = absl::Seconds(30);
};

// helpdesk.tickets.v1.TicketService: tickets, notes, search, role-split
// updates, assignment and escalation. Every mutation writes its audit event
// and job to the store's outbox in the same transaction (see
// ticket_events.h); names and emails come from AuthService in one batch
// call per response. Synchronous handlers (SQLite and short peer calls).
//
// What the ticket service calls (not owned). Each may be null: names are
// then left empty, assignment and the full view answer UNAVAILABLE, and
// outbox rows wait for the relay's next poll.
struct TicketServicePeers {
  // Woken after a change enqueued an audit event or a job.
  outbox::OutboxRelay* relay = nullptr;
  // Names and emails; the admins an assignee must be one of.
  clients::AuthClient* users = nullptr;
  // The history of the full view.
  clients::AuditReader* audit = nullptr;
};

// The store, clock and peers must outlive the service.
// Thread-safe.
class TicketServiceImpl final
    : public ::helpdesk::tickets::v1::TicketService::Service {
 public:
  TicketServiceImpl(TicketStore* store, const Clock* clock,
                    TicketServiceOptions options, TicketServicePeers peers);

  grpc::Status CreateTicket(grpc::ServerContext* context,
                            const tickets::v1::CreateTicketRequest* request,
                            tickets::v1::Ticket* response) override;
  grpc::Status GetTicket(grpc::ServerContext* context,
                         const tickets::v1::GetTicketRequest* request,
                         tickets::v1::Ticket* response) override;
  grpc::Status ListTickets(grpc::ServerContext* context,
                           const tickets::v1::ListTicketsRequest* request,
                           tickets::v1::ListTicketsResponse* response) override;
  grpc::Status UpdateTicket(grpc::ServerContext* context,
                            const tickets::v1::UpdateTicketRequest* request,
                            tickets::v1::Ticket* response) override;
  grpc::Status AssignTicket(grpc::ServerContext* context,
                            const tickets::v1::AssignTicketRequest* request,
                            tickets::v1::Ticket* response) override;
  grpc::Status CreateComment(grpc::ServerContext* context,
                             const tickets::v1::CreateCommentRequest* request,
                             tickets::v1::Comment* response) override;
  grpc::Status ListComments(
      grpc::ServerContext* context,
      const tickets::v1::ListCommentsRequest* request,
      tickets::v1::ListCommentsResponse* response) override;
  grpc::Status CreateNote(grpc::ServerContext* context,
                          const tickets::v1::CreateNoteRequest* request,
                          tickets::v1::Note* response) override;
  grpc::Status ListNotes(grpc::ServerContext* context,
                         const tickets::v1::ListNotesRequest* request,
                         tickets::v1::ListNotesResponse* response) override;
  grpc::Status EscalateOverdue(
      grpc::ServerContext* context,
      const tickets::v1::EscalateOverdueRequest* request,
      tickets::v1::EscalateOverdueResponse* response) override;

 private:
  absl::StatusOr<tickets::v1::Ticket> DoCreate(
      const grpc::ServerContext& context,
      const tickets::v1::CreateTicketRequest& request);
  absl::StatusOr<tickets::v1::Ticket> DoGet(
      const grpc::ServerContext& context,
      const tickets::v1::GetTicketRequest& request);
  absl::StatusOr<tickets::v1::ListTicketsResponse> DoList(
      const grpc::ServerContext& context,
      const tickets::v1::ListTicketsRequest& request);
  absl::StatusOr<tickets::v1::Ticket> DoUpdate(
      const grpc::ServerContext& context,
      const tickets::v1::UpdateTicketRequest& request);
  absl::StatusOr<tickets::v1::Ticket> DoAssign(
      const grpc::ServerContext& context,
      const tickets::v1::AssignTicketRequest& request);
  absl::StatusOr<tickets::v1::Comment> DoCreateComment(
      const grpc::ServerContext& context,
      const tickets::v1::CreateCommentRequest& request);
  absl::StatusOr<tickets::v1::ListCommentsResponse> DoListComments(
      const grpc::ServerContext& context,
      const tickets::v1::ListCommentsRequest& request);
  absl::StatusOr<tickets::v1::Note> DoCreateNote(
      const grpc::ServerContext& context,
      const tickets::v1::CreateNoteRequest& request);
  absl::StatusOr<tickets::v1::ListNotesResponse> DoListNotes(
      const grpc::ServerContext& context,
      const tickets::v1::ListNotesRequest& request);
  absl::StatusOr<tickets::v1::EscalateOverdueResponse> DoEscalate(
      const grpc::ServerContext& context,
      const tickets::v1::EscalateOverdueRequest& request);

  // The ticket if `caller` may see it: NOT_FOUND for someone else's.
  absl::StatusOr<TicketRecord> VisibleTicket(const auth::Principal& caller,
                                             int64_t id);
  // Up to `page_size` notes of a ticket after `after_id` into `page`, bounded
  // by bytes too; `next_page_token` for ListNotes when more remain.
  absl::Status NotesPage(
      int64_t ticket_id, int64_t after_id, int page_size,
      google::protobuf::RepeatedPtrField<tickets::v1::Note>* page,
      std::string* next_page_token);
  void NotifyRelay();

  TicketStore* const store_;
  const Clock* const clock_;
  const TicketServicePeers peers_;
  const TicketServiceOptions options_;
  const paging::PageTokenCodec page_tokens_;
  ratelimit::RateLimiter create_limiter_;
  ratelimit::RateLimiter edit_limiter_;
  ratelimit::RateLimiter comment_limiter_;
  TicketPresenter presenter_;
};

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_SERVICE_H_
