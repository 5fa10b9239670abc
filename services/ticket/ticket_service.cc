#include "services/ticket/ticket_service.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/time_util.h"
#include "libs/auth/principal.h"
#include "libs/log/log.h"
#include "libs/proto/time.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_macros.h"
#include "services/ticket/ticket_events.h"
#include "services/ticket/ticket_presenter.h"
#include "services/ticket/ticket_validation.h"

namespace helpdesk::ticket {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::auth::v1::User;
using ::helpdesk::tickets::v1::Ticket;

constexpr int kMaxEscalationBatch = 1000;
constexpr int kDefaultEscalationBatch = 50;
constexpr int kMaxEscalatedIdsReported = 1000;
// How much of a ticket's notes and history TICKET_VIEW_FULL holds.
constexpr int kFullViewNotes = 50;
constexpr int kFullViewHistory = 50;

// The fields a request without an update mask sets: those holding a
// non-default value, except the id that names the ticket.
std::vector<std::string> PresentFields(const Ticket& ticket) {
  std::vector<std::string> paths;
  const auto* reflection = ticket.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(ticket, &fields);
  for (const auto* field : fields) {
    if (field->name() != "id") paths.push_back(field->name());
  }
  return paths;
}

absl::StatusOr<std::optional<int64_t>> ParseAssignee(absl::string_view value,
                                                     int64_t caller_id) {
  if (value.empty()) return std::optional<int64_t>();
  if (value == "me") return std::optional<int64_t>(caller_id);
  if (value == "unassigned") return std::optional<int64_t>(0);
  int64_t id = 0;
  if (!absl::SimpleAtoi(value, &id) || id <= 0) {
    return InvalidArgumentWithViolations(
        "invalid assignee filter",
        {{"assignee", "must be 'me', 'unassigned' or a user id"}});
  }
  return std::optional<int64_t>(id);
}

std::string Authorization(const grpc::ServerContext& context) {
  auto it = context.client_metadata().find("authorization");
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// The page-token scope of a ticket's comments.
std::string CommentsScope(int64_t ticket_id) {
  return absl::StrCat("ListComments/ticket=", ticket_id);
}

// The thread's own entry when a requester's reply reopens the ticket.
constexpr char kReopenedEntry[] = "The requester's reply reopened this ticket.";

// The page-token scope of a ticket's notes.
std::string NotesScope(int64_t ticket_id) {
  return absl::StrCat("ListNotes/ticket=", ticket_id);
}

// Appends `records` to `page` as protos while the page's byte budget
// lasts; sets `more` when some were left out. The id of the last one
// appended (0 for none): the next page's key.
template <typename Record, typename Proto>
int64_t AppendWithinBudget(const std::vector<Record>& records,
                           const TicketPresenter::Users& users,
                           google::protobuf::RepeatedPtrField<Proto>* page,
                           bool* more) {
  paging::PageBudget budget;
  int64_t last_id = 0;
  for (const Record& record : records) {
    Proto proto = TicketPresenter::ToProto(record, users);
    if (!budget.Take(proto.ByteSizeLong())) {
      *more = true;
      break;
    }
    *page->Add() = std::move(proto);
    last_id = record.id;
  }
  return last_id;
}

}  // namespace

TicketServiceImpl::TicketServiceImpl(TicketStore* store, const Clock* clock,
                                     TicketServiceOptions options,
                                     TicketServicePeers peers)
    : store_(store),
      clock_(clock),
      peers_(peers),
      options_(std::move(options)),
      page_tokens_(options_.page_token_key),
      // Shared by every ticket replica on PostgreSQL.
      create_limiter_(ratelimit::RateLimiter::Options::For(
                          options_.create_per_user, options_.rate_limits,
                          &store->db(), "create_ticket"),
                      clock),
      edit_limiter_(ratelimit::RateLimiter::Options::For(
                        options_.edit_per_user, options_.rate_limits,
                        &store->db(), "edit_ticket"),
                    clock),
      comment_limiter_(ratelimit::RateLimiter::Options::For(
                           options_.comment_per_user, options_.rate_limits,
                           &store->db(), "comment"),
                       clock),
      presenter_(peers.users, clock, options_.user_cache_ttl) {}

void TicketServiceImpl::NotifyRelay() {
  if (peers_.relay != nullptr) peers_.relay->Notify();
}

absl::StatusOr<TicketRecord> TicketServiceImpl::VisibleTicket(
    const auth::Principal& caller, int64_t id) {
  if (id <= 0) return absl::NotFoundError("no such ticket");
  ASSIGN_OR_RETURN(TicketRecord ticket, store_->Get(id));
  if (!caller.is_admin() && ticket.requester_id != caller.user_id) {
    return absl::NotFoundError("no such ticket");
  }
  return ticket;
}

grpc::Status TicketServiceImpl::CreateTicket(
    grpc::ServerContext* context,
    const tickets::v1::CreateTicketRequest* request, Ticket* response) {
  return rpc::Reply(context, DoCreate(*context, *request), response);
}

absl::StatusOr<Ticket> TicketServiceImpl::DoCreate(
    const grpc::ServerContext& context,
    const tickets::v1::CreateTicketRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal caller,
                   auth::RequireRole(context, User::USER));
  std::vector<FieldViolation> violations;
  TicketRecord ticket;
  ticket.title =
      NormalizeTitle(request.ticket().title(), "ticket.title", &violations);
  ticket.body =
      NormalizeBody(request.ticket().body(), "ticket.body", &violations);
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("the ticket has errors", violations);
  }
  RETURN_IF_ERROR(create_limiter_.Acquire(
      absl::StrCat(caller.user_id), "too many new tickets; try again later"));
  ticket.requester_id = caller.user_id;
  ticket.status = Ticket::OPEN;
  ASSIGN_OR_RETURN(TicketRecord stored,
                   store_->Create(ticket, [&](const TicketRecord& created) {
                     return TicketCreatedEvents(created, created.create_time);
                   }));
  NotifyRelay();
  return TicketPresenter::ToProto(stored,
                                  presenter_.LookUp({stored.requester_id}));
}

grpc::Status TicketServiceImpl::GetTicket(
    grpc::ServerContext* context, const tickets::v1::GetTicketRequest* request,
    Ticket* response) {
  return rpc::Reply(context, DoGet(*context, *request), response);
}

absl::StatusOr<Ticket> TicketServiceImpl::DoGet(
    const grpc::ServerContext& context,
    const tickets::v1::GetTicketRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal caller, auth::RequireSignedIn(context));
  ASSIGN_OR_RETURN(TicketRecord record, VisibleTicket(caller, request.id()));
  if (request.view() != tickets::v1::TICKET_VIEW_FULL) {
    return TicketPresenter::ToProto(
        record, presenter_.LookUp({record.requester_id, record.assignee_id}));
  }
  if (!caller.is_admin()) {
    return absl::PermissionDeniedError("TICKET_VIEW_FULL is for admins");
  }
  clients::AuditReader* audit = peers_.audit;
  if (audit == nullptr) {
    return absl::UnavailableError("the audit history is not available");
  }
  // Both bounded in count and bytes (the audit service bounds its pages
  // too), with tokens for the rest: the reply stays far below the message
  // limit however long a ticket's history grows.
  ASSIGN_OR_RETURN(
      clients::AuditReader::History history,
      audit->EntityHistory("ticket", record.id, Authorization(context),
                           kFullViewHistory));
  Ticket ticket = TicketPresenter::ToProto(
      record, presenter_.LookUp({record.requester_id, record.assignee_id}));
  RETURN_IF_ERROR(NotesPage(record.id, 0, kFullViewNotes,
                            ticket.mutable_notes(),
                            ticket.mutable_notes_next_page_token()));
  for (auto& event : history.events) *ticket.add_history() = std::move(event);
  ticket.set_history_next_page_token(history.next_page_token);
  return ticket;
}

grpc::Status TicketServiceImpl::ListTickets(
    grpc::ServerContext* context,
    const tickets::v1::ListTicketsRequest* request,
    tickets::v1::ListTicketsResponse* response) {
  return rpc::Reply(context, DoList(*context, *request), response);
}

absl::StatusOr<tickets::v1::ListTicketsResponse> TicketServiceImpl::DoList(
    const grpc::ServerContext& context,
    const tickets::v1::ListTicketsRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal caller, auth::RequireSignedIn(context));
  ASSIGN_OR_RETURN(int page_size,
                   paging::EffectivePageSize(request.page_size()));
  std::vector<FieldViolation> violations;
  const std::string query = NormalizeQuery(request.query(), &violations);
  if (!Ticket::Status_IsValid(request.status())) {
    violations.push_back({"status", "unknown status"});
  }
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("invalid filter", violations);
  }
  TicketFilter filter;
  filter.requester_id = caller.is_admin() ? 0 : caller.user_id;
  filter.status = request.status();
  ASSIGN_OR_RETURN(filter.assignee_id,
                   ParseAssignee(request.assignee(), caller.user_id));
  SetSearch(filter, query);

  const std::string scope = absl::StrCat(
      "ListTickets/requester=", filter.requester_id, "/status=", filter.status,
      "/assignee=", request.assignee().size(), ":", request.assignee(),
      "/me=", caller.user_id, "/query=", query.size(), ":", query);
  int64_t before_id = 0;
  int64_t total = -1;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<int64_t> keys,
                     page_tokens_.DecodeKeys(scope, request.page_token(), 2));
    before_id = keys[0];
    total = keys[1];
  }
  // The count is taken when a listing starts and carried in the page token,
  // so later pages cost only their own rows.
  if (total < 0) {
    ASSIGN_OR_RETURN(total, store_->Count(filter));
  }
  ASSIGN_OR_RETURN(std::vector<TicketRecord> tickets,
                   store_->List(filter, before_id, page_size + 1));
  bool more = static_cast<int>(tickets.size()) > page_size;
  if (more) tickets.pop_back();

  std::vector<int64_t> ids;
  for (const TicketRecord& ticket : tickets) {
    ids.push_back(ticket.requester_id);
    ids.push_back(ticket.assignee_id);
  }
  const TicketPresenter::Users users = presenter_.LookUp(std::move(ids));
  tickets::v1::ListTicketsResponse response;
  const int64_t last_id =
      AppendWithinBudget(tickets, users, response.mutable_tickets(), &more);
  response.set_total_size(static_cast<int32_t>(total));
  if (more) {
    response.set_next_page_token(
        page_tokens_.EncodeKeys(scope, {last_id, total}));
  }
  return response;
}

grpc::Status TicketServiceImpl::UpdateTicket(
    grpc::ServerContext* context,
    const tickets::v1::UpdateTicketRequest* request, Ticket* response) {
  return rpc::Reply(context, DoUpdate(*context, *request), response);
}

absl::StatusOr<Ticket> TicketServiceImpl::DoUpdate(
    const grpc::ServerContext& context,
    const tickets::v1::UpdateTicketRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal caller, auth::RequireSignedIn(context));
  const Ticket& patch = request.ticket();
  ASSIGN_OR_RETURN(TicketRecord current, VisibleTicket(caller, patch.id()));

  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  if (!request.has_update_mask()) paths = PresentFields(patch);
  if (paths.empty()) {
    return InvalidArgumentWithViolations("nothing to update",
                                         {{"update_mask", "names no field"}});
  }
  const bool owner = current.requester_id == caller.user_id;
  std::vector<FieldViolation> violations;
  // The new values of the fields the caller named, and only those: they are
  // applied to the ticket as it is when the write runs, so a concurrent
  // change of another field (the owner's title, an admin's status) is kept
  // and every audit event records what its own actor changed.
  std::optional<std::string> title;
  std::optional<std::string> body;
  std::optional<Status> status;
  bool edits_text = false;
  for (const std::string& path : paths) {
    // A precondition (AIP-154), not a field to change.
    if (path == "etag") continue;
    if (Ticket::descriptor()->FindFieldByName(path) == nullptr) {
      return InvalidArgumentWithViolations(
          "invalid update_mask",
          {{"update_mask",
            absl::StrCat("'", path, "' is not a Ticket field")}});
    }
    const bool allowed = ((path == "title" || path == "body") && owner) ||
                         (path == "status" && caller.is_admin());
    if (!allowed) {
      return absl::PermissionDeniedError(
          absl::StrCat("you may not change the ticket's ", path));
    }
    if (path == "title") {
      title = NormalizeTitle(patch.title(), "ticket.title", &violations);
      edits_text = true;
    } else if (path == "body") {
      body = NormalizeBody(patch.body(), "ticket.body", &violations);
      edits_text = true;
    } else if (patch.status() == Ticket::STATUS_UNSPECIFIED ||
               !Ticket::Status_IsValid(patch.status())) {
      violations.push_back({"ticket.status", "must be a valid status"});
    } else {
      status = patch.status();
    }
  }
  if (!title && !body && !status && violations.empty()) {
    return InvalidArgumentWithViolations("nothing to update",
                                         {{"update_mask", "names no field"}});
  }
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("the update has errors", violations);
  }
  if (edits_text) {
    RETURN_IF_ERROR(edit_limiter_.Acquire(absl::StrCat(caller.user_id),
                                          "too many edits; try again later"));
  }
  const std::string& etag = patch.etag();
  ASSIGN_OR_RETURN(
      TicketRecord updated,
      store_->Update(
          current.id,
          [&](TicketRecord& ticket,
              absl::Time now) -> absl::StatusOr<std::vector<OutboxItem>> {
            if (!etag.empty() && etag != TicketPresenter::Etag(ticket)) {
              return absl::AbortedError(
                  "the ticket changed since it was read (its etag differs); "
                  "read it again and reapply the change");
            }
            const TicketRecord before = ticket;
            if (title) ticket.title = *title;
            if (body) ticket.body = *body;
            if (status) ticket.status = *status;
            std::vector<OutboxItem> items;
            if (ticket.title != before.title || ticket.body != before.body) {
              items = TicketEditedEvents(before, ticket, caller.user_id, now);
            }
            if (ticket.status != before.status) {
              for (OutboxItem& item :
                   StatusChangedEvents(before, ticket, caller.user_id, now)) {
                items.push_back(std::move(item));
              }
            }
            return items;
          }));
  NotifyRelay();
  return TicketPresenter::ToProto(
      updated, presenter_.LookUp({updated.requester_id, updated.assignee_id}));
}

grpc::Status TicketServiceImpl::AssignTicket(
    grpc::ServerContext* context,
    const tickets::v1::AssignTicketRequest* request, Ticket* response) {
  return rpc::Reply(context, DoAssign(*context, *request), response);
}

absl::StatusOr<Ticket> TicketServiceImpl::DoAssign(
    const grpc::ServerContext& context,
    const tickets::v1::AssignTicketRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal caller,
                   auth::RequireRole(context, User::ADMIN));
  ASSIGN_OR_RETURN(TicketRecord current, VisibleTicket(caller, request.id()));
  TicketPresenter::Users users;
  if (request.assignee_id() != 0) {
    clients::AuthClient* directory = peers_.users;
    if (directory == nullptr) {
      return absl::UnavailableError("user directory unavailable");
    }
    const int64_t ids[] = {request.assignee_id()};
    ASSIGN_OR_RETURN(std::vector<User> found, directory->BatchGetUsers(ids));
    if (found.empty() || found[0].role() != User::ADMIN) {
      return InvalidArgumentWithViolations(
          "tickets can only be assigned to admins",
          {{"assignee_id", "is not the id of an admin"}});
    }
  }
  ASSIGN_OR_RETURN(
      TicketRecord updated,
      store_->Update(
          current.id,
          [&](TicketRecord& ticket,
              absl::Time now) -> absl::StatusOr<std::vector<OutboxItem>> {
            if (ticket.assignee_id == request.assignee_id()) {
              return std::vector<OutboxItem>();  // no-op
            }
            const TicketRecord before = ticket;
            ticket.assignee_id = request.assignee_id();
            return AssignmentEvents(before, ticket, caller.user_id, now);
          }));
  NotifyRelay();
  return TicketPresenter::ToProto(
      updated, presenter_.LookUp({updated.requester_id, updated.assignee_id}));
}

grpc::Status TicketServiceImpl::CreateComment(
    grpc::ServerContext* context,
    const tickets::v1::CreateCommentRequest* request,
    tickets::v1::Comment* response) {
  return rpc::Reply(context, DoCreateComment(*context, *request), response);
}

absl::StatusOr<tickets::v1::Comment> TicketServiceImpl::DoCreateComment(
    const grpc::ServerContext& context,
    const tickets::v1::CreateCommentRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal caller, auth::RequireSignedIn(context));
  ASSIGN_OR_RETURN(const TicketRecord visible,
                   VisibleTicket(caller, request.ticket_id()));
  std::vector<FieldViolation> violations;
  CommentRecord comment;
  comment.body =
      NormalizeBody(request.comment().body(), "comment.body", &violations);
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("the comment has errors", violations);
  }
  RETURN_IF_ERROR(comment_limiter_.Acquire(
      absl::StrCat(caller.user_id), "too many replies; try again later"));
  comment.ticket_id = visible.id;
  comment.author_id = caller.user_id;
  comment.author_role = caller.is_admin() ? User::ADMIN : User::USER;
  ASSIGN_OR_RETURN(
      CommentOutcome outcome,
      store_->CreateComment(
          comment,
          [&](TicketRecord& ticket,
              const CommentRecord& stored) -> absl::StatusOr<CommentEffects> {
            const TicketRecord before = ticket;
            CommentEffects effects;
            if (stored.author_id == ticket.requester_id) {
              if (ticket.status == Ticket::RESOLVED) {
                ticket.status = Ticket::OPEN;
                effects.system_entry = kReopenedEntry;
              }
            } else if (!ticket.first_response_time) {
              ticket.first_response_time = stored.create_time;
            }
            effects.items = CommentCreatedEvents(stored, before, ticket,
                                                 stored.create_time);
            return effects;
          }));
  NotifyRelay();
  return TicketPresenter::ToProto(
      outcome.comment, presenter_.LookUp({outcome.comment.author_id}));
}

grpc::Status TicketServiceImpl::ListComments(
    grpc::ServerContext* context,
    const tickets::v1::ListCommentsRequest* request,
    tickets::v1::ListCommentsResponse* response) {
  return rpc::Reply(context, DoListComments(*context, *request), response);
}

absl::StatusOr<tickets::v1::ListCommentsResponse>
TicketServiceImpl::DoListComments(
    const grpc::ServerContext& context,
    const tickets::v1::ListCommentsRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal caller, auth::RequireSignedIn(context));
  ASSIGN_OR_RETURN(TicketRecord ticket,
                   VisibleTicket(caller, request.ticket_id()));
  ASSIGN_OR_RETURN(int page_size,
                   paging::EffectivePageSize(request.page_size()));
  int64_t after_id = 0;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<int64_t> keys,
                     page_tokens_.DecodeKeys(CommentsScope(ticket.id),
                                             request.page_token(), 1));
    after_id = keys[0];
  }
  ASSIGN_OR_RETURN(std::vector<CommentRecord> comments,
                   store_->ListComments(ticket.id, after_id, page_size + 1));
  bool more = static_cast<int>(comments.size()) > page_size;
  if (more) comments.pop_back();
  std::vector<int64_t> ids;
  for (const CommentRecord& comment : comments)
    ids.push_back(comment.author_id);
  const TicketPresenter::Users users = presenter_.LookUp(std::move(ids));
  tickets::v1::ListCommentsResponse response;
  const int64_t last_id =
      AppendWithinBudget(comments, users, response.mutable_comments(), &more);
  if (more) {
    response.set_next_page_token(
        page_tokens_.EncodeKeys(CommentsScope(ticket.id), {last_id}));
  }
  return response;
}

grpc::Status TicketServiceImpl::CreateNote(
    grpc::ServerContext* context, const tickets::v1::CreateNoteRequest* request,
    tickets::v1::Note* response) {
  return rpc::Reply(context, DoCreateNote(*context, *request), response);
}

absl::StatusOr<tickets::v1::Note> TicketServiceImpl::DoCreateNote(
    const grpc::ServerContext& context,
    const tickets::v1::CreateNoteRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal caller,
                   auth::RequireRole(context, User::ADMIN));
  std::vector<FieldViolation> violations;
  NoteRecord note;
  note.body =
      NormalizeNoteBody(request.note().body(), "note.body", &violations);
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("the note has errors", violations);
  }
  note.ticket_id = request.ticket_id();
  note.author_id = caller.user_id;
  ASSIGN_OR_RETURN(NoteRecord stored,
                   store_->CreateNote(note, [&](const NoteRecord& created) {
                     return NoteCreatedEvents(created, created.create_time);
                   }));
  NotifyRelay();
  return TicketPresenter::ToProto(stored,
                                  presenter_.LookUp({stored.author_id}));
}

absl::Status TicketServiceImpl::NotesPage(
    int64_t ticket_id, int64_t after_id, int page_size,
    google::protobuf::RepeatedPtrField<tickets::v1::Note>* page,
    std::string* next_page_token) {
  ASSIGN_OR_RETURN(std::vector<NoteRecord> notes,
                   store_->ListNotes(ticket_id, after_id, page_size + 1));
  bool more = static_cast<int>(notes.size()) > page_size;
  if (more) notes.pop_back();
  std::vector<int64_t> ids;
  for (const NoteRecord& note : notes) ids.push_back(note.author_id);
  const TicketPresenter::Users users = presenter_.LookUp(std::move(ids));
  const int64_t last_id = AppendWithinBudget(notes, users, page, &more);
  if (more) {
    *next_page_token =
        page_tokens_.EncodeKeys(NotesScope(ticket_id), {last_id});
  }
  return absl::OkStatus();
}

grpc::Status TicketServiceImpl::ListNotes(
    grpc::ServerContext* context, const tickets::v1::ListNotesRequest* request,
    tickets::v1::ListNotesResponse* response) {
  return rpc::Reply(context, DoListNotes(*context, *request), response);
}

absl::StatusOr<tickets::v1::ListNotesResponse> TicketServiceImpl::DoListNotes(
    const grpc::ServerContext& context,
    const tickets::v1::ListNotesRequest& request) {
  ASSIGN_OR_RETURN(auth::Principal caller,
                   auth::RequireRole(context, User::ADMIN));
  ASSIGN_OR_RETURN(TicketRecord ticket,
                   VisibleTicket(caller, request.ticket_id()));
  ASSIGN_OR_RETURN(int page_size,
                   paging::EffectivePageSize(request.page_size()));
  int64_t after_id = 0;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(std::vector<int64_t> keys,
                     page_tokens_.DecodeKeys(NotesScope(ticket.id),
                                             request.page_token(), 1));
    after_id = keys[0];
  }
  tickets::v1::ListNotesResponse response;
  RETURN_IF_ERROR(NotesPage(ticket.id, after_id, page_size,
                            response.mutable_notes(),
                            response.mutable_next_page_token()));
  return response;
}

grpc::Status TicketServiceImpl::EscalateOverdue(
    grpc::ServerContext* context,
    const tickets::v1::EscalateOverdueRequest* request,
    tickets::v1::EscalateOverdueResponse* response) {
  return rpc::Reply(context, DoEscalate(*context, *request), response);
}

absl::StatusOr<tickets::v1::EscalateOverdueResponse>
TicketServiceImpl::DoEscalate(
    const grpc::ServerContext& context,
    const tickets::v1::EscalateOverdueRequest& request) {
  RETURN_IF_ERROR(auth::RequireServiceCaller(context));
  absl::Duration older_than = options_.escalate_after;
  if (request.has_older_than()) {
    older_than = absl::Milliseconds(
        TimeUtil::DurationToMilliseconds(request.older_than()));
  }
  if (older_than <= absl::ZeroDuration() || request.batch_size() < 0) {
    return InvalidArgumentWithViolations(
        "invalid escalation request", {{"older_than", "must be positive"},
                                       {"batch_size", "must not be negative"}});
  }
  const int batch = request.batch_size() == 0
                        ? kDefaultEscalationBatch
                        : std::min(request.batch_size(), kMaxEscalationBatch);
  tickets::v1::EscalateOverdueResponse response;
  // One transaction per batch, until a batch comes back short.
  while (true) {
    ASSIGN_OR_RETURN(std::vector<TicketRecord> escalated,
                     store_->EscalateOverdue(
                         older_than, batch, [&](const TicketRecord& ticket) {
                           return EscalatedEvents(ticket,
                                                  *ticket.escalate_time);
                         }));
    response.set_escalated_count(response.escalated_count() +
                                 static_cast<int32_t>(escalated.size()));
    for (const TicketRecord& ticket : escalated) {
      if (response.ticket_ids_size() < kMaxEscalatedIdsReported) {
        response.add_ticket_ids(ticket.id);
      }
    }
    if (static_cast<int>(escalated.size()) < batch) break;
  }
  if (response.escalated_count() > 0) NotifyRelay();
  return response;
}

}  // namespace helpdesk::ticket
