#ifndef HELPDESK_SERVICES_TICKET_TICKET_PRESENTER_H_
#define HELPDESK_SERVICES_TICKET_TICKET_PRESENTER_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "helpdesk/auth/v1/auth.pb.h"
#include "helpdesk/tickets/v1/tickets.pb.h"
#include "libs/clients/auth_client.h"
#include "libs/clock/clock.h"
#include "services/ticket/ticket_store.h"

namespace helpdesk::ticket {

// Turns stored tickets and notes into their proto form, with the names and
// emails of the people on them from AuthService: one BatchGetUsers call per
// response, never one per row, and only for the people not looked up in the
// last `cache_ttl` (names and emails never change through the API, so a
// cached entry is only ever as stale as an account that was just
// registered; the cache spares every read a second RPC). Thread-safe.
class TicketPresenter final {
 public:
  using Users = absl::flat_hash_map<int64_t, ::helpdesk::auth::v1::User>;

  // Looks users up in `directory` (without one, names stay empty);
  // `clock` times the cache entries. Neither is owned.
  TicketPresenter(clients::AuthClient* directory, const Clock* clock,
                  absl::Duration cache_ttl = absl::Seconds(30),
                  size_t cache_capacity = 10'000)
      : directory_(directory),
        clock_(clock),
        cache_ttl_(cache_ttl),
        cache_capacity_(cache_capacity) {}

  // The users behind `ids` (0s and repeats ignored): from the cache, the
  // rest in one call; without those if auth cannot be reached: names are
  // decoration, the tickets are still served.
  Users LookUp(std::vector<int64_t> ids) const;

  static tickets::v1::Ticket ToProto(const TicketRecord& ticket,
                                     const Users& users);
  static tickets::v1::Note ToProto(const NoteRecord& note, const Users& users);
  static tickets::v1::Comment ToProto(const CommentRecord& comment,
                                      const Users& users);

  // The ticket's etag (AIP-154): changes with every change of the ticket.
  static std::string Etag(const TicketRecord& ticket);

 private:
  struct CachedUser {
    ::helpdesk::auth::v1::User user;
    absl::Time fetched;
  };

  clients::AuthClient* const directory_;
  const Clock* const clock_;
  const absl::Duration cache_ttl_;
  const size_t cache_capacity_;
  mutable absl::Mutex mu_;
  // Dropped whole when it reaches cache_capacity_ (a simple bound; a full
  // directory of that size costs one lookup per person again).
  mutable absl::flat_hash_map<int64_t, CachedUser> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_PRESENTER_H_
