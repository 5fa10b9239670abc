#include "services/ticket/ticket_presenter.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/log/log.h"
#include "libs/proto/time.h"

namespace helpdesk::ticket {

using ::helpdesk::auth::v1::User;
using ::helpdesk::tickets::v1::Ticket;

TicketPresenter::Users TicketPresenter::LookUp(std::vector<int64_t> ids) const {
  Users users;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  ids.erase(std::remove(ids.begin(), ids.end(), 0), ids.end());
  const absl::Time now = clock_->Now();
  std::vector<int64_t> missing;
  {
    absl::MutexLock lock(&mu_);
    for (int64_t id : ids) {
      auto it = cache_.find(id);
      if (it != cache_.end() && now - it->second.fetched < cache_ttl_) {
        users[id] = it->second.user;
      } else {
        missing.push_back(id);
      }
    }
  }
  if (missing.empty() || directory_ == nullptr) return users;
  absl::StatusOr<std::vector<User>> found = directory_->BatchGetUsers(missing);
  if (!found.ok()) {
    LogWarning("user_lookup_failed", {{"error", found.status().ToString()}});
    return users;
  }
  absl::MutexLock lock(&mu_);
  for (User& user : *found) {
    if (cache_.size() >= cache_capacity_) cache_.clear();
    cache_[user.id()] = CachedUser{user, now};
    users[user.id()] = std::move(user);
  }
  return users;
}

Ticket TicketPresenter::ToProto(const TicketRecord& record,
                                const Users& users) {
  Ticket ticket;
  ticket.set_id(record.id);
  ticket.set_requester_id(record.requester_id);
  if (auto it = users.find(record.requester_id); it != users.end()) {
    ticket.set_requester_name(it->second.name());
    ticket.set_requester_email(it->second.email());
  }
  ticket.set_title(record.title);
  ticket.set_body(record.body);
  ticket.set_status(record.status);
  ticket.set_assignee_id(record.assignee_id);
  if (auto it = users.find(record.assignee_id); it != users.end()) {
    ticket.set_assignee_name(it->second.name());
  }
  *ticket.mutable_create_time() = ToTimestamp(record.create_time);
  *ticket.mutable_update_time() = ToTimestamp(record.update_time);
  if (record.escalate_time) {
    *ticket.mutable_escalate_time() = ToTimestamp(*record.escalate_time);
  }
  if (record.first_response_time) {
    *ticket.mutable_first_response_time() =
        ToTimestamp(*record.first_response_time);
  }
  ticket.set_etag(Etag(record));
  return ticket;
}

std::string TicketPresenter::Etag(const TicketRecord& ticket) {
  return absl::StrCat("v", ticket.version);
}

tickets::v1::Note TicketPresenter::ToProto(const NoteRecord& record,
                                           const Users& users) {
  tickets::v1::Note note;
  note.set_id(record.id);
  note.set_ticket_id(record.ticket_id);
  note.set_author_id(record.author_id);
  if (auto it = users.find(record.author_id); it != users.end()) {
    note.set_author_name(it->second.name());
  }
  note.set_body(record.body);
  *note.mutable_create_time() = ToTimestamp(record.create_time);
  return note;
}

tickets::v1::Comment TicketPresenter::ToProto(const CommentRecord& record,
                                              const Users& users) {
  tickets::v1::Comment comment;
  comment.set_id(record.id);
  comment.set_ticket_id(record.ticket_id);
  comment.set_author_id(record.author_id);
  comment.set_author_role(record.author_role);
  comment.set_system(record.author_id == 0);
  if (record.author_id == 0) {
    comment.set_author_name("Helpdesk");
  } else if (auto it = users.find(record.author_id); it != users.end()) {
    comment.set_author_name(it->second.name());
  }
  comment.set_body(record.body);
  *comment.mutable_create_time() = ToTimestamp(record.create_time);
  return comment;
}

}  // namespace helpdesk::ticket
