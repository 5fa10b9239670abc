#ifndef HELPDESK_SERVICES_TICKET_TICKET_PRESENTER_H_
#define HELPDESK_SERVICES_TICKET_TICKET_PRESENTER_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "helpdesk/auth/v1/auth.pb.h"
#include "helpdesk/tickets/v1/tickets.pb.h"
#include "libs/clients/auth_client.h"
#include "services/ticket/ticket_store.h"

namespace helpdesk::ticket {

// Turns stored tickets and notes into their proto form, with the names and
// emails of the people on them from AuthService: one BatchGetUsers call per
// response, never one per row. Thread-safe.
class TicketPresenter final {
 public:
  using Users = absl::flat_hash_map<int64_t, ::helpdesk::auth::v1::User>;

  // The user directory (not owned); until attached, names stay empty.
  void AttachDirectory(clients::AuthClient* directory) {
    directory_.store(directory);
  }

  // The users behind `ids` (0s and repeats ignored) in one call; empty if
  // auth cannot be reached: names are decoration, the tickets are still
  // served.
  Users LookUp(std::vector<int64_t> ids) const;

  static tickets::v1::Ticket ToProto(const TicketRecord& ticket,
                                     const Users& users);
  static tickets::v1::Note ToProto(const NoteRecord& note, const Users& users);

 private:
  std::atomic<clients::AuthClient*> directory_{nullptr};
};

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_PRESENTER_H_
