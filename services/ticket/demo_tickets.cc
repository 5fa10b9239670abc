#include "services/ticket/demo_tickets.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/log/log.h"
#include "libs/status/status_macros.h"

namespace helpdesk::ticket {
namespace {

using ::helpdesk::tickets::v1::Ticket;

struct DemoTicket {
  const char* requester;
  const char* title;
  const char* body;
  Status status;
  const char* assignee;  // "" for none
  int age_hours;         // OPEN tickets over 24 h old are overdue
  const char* note;      // by the assignee, "" for none
};

constexpr DemoTicket kTickets[] = {
    {"usera@example.com", "Cannot log in after password reset",
     "I reset my password this morning and now the login page says my "
     "credentials are wrong.",
     Ticket::OPEN, "", 30, ""},
    {"userb@example.com", "Printer on third floor jams constantly",
     "Every second print job jams the printer near the kitchen.", Ticket::OPEN,
     "admina@example.com", 26, "Ordered a new fuser unit."},
    {"userc@example.com", "VPN disconnects every ten minutes",
     "The VPN client drops the connection roughly every ten minutes when I "
     "work from home.",
     Ticket::OPEN, "", 3, ""},
    {"userd@example.com", "Request access to the finance share",
     "I moved to the finance team and need read access to the shared drive.",
     Ticket::OPEN, "adminb@example.com", 5, ""},
    {"usera@example.com", "Laptop battery drains very fast",
     "My laptop battery lasts about an hour since the last update.",
     Ticket::OPEN, "", 8, ""},
    {"userb@example.com", "Email signature shows old phone number",
     "The company signature template still has my old extension.", Ticket::OPEN,
     "", 12, ""},
    {"userc@example.com", "Monitor flickers when docked",
     "The external monitor flickers whenever the laptop sits in the dock.",
     Ticket::OPEN, "admina@example.com", 2, ""},
    {"userd@example.com", "Calendar invites arrive twice",
     "Every meeting invitation shows up twice in my calendar.", Ticket::OPEN,
     "", 1, ""},
    {"usera@example.com", "Install design software on my workstation",
     "Please install the licensed design suite on workstation 42.",
     Ticket::IN_PROGRESS, "adminb@example.com", 50,
     "License requested from procurement."},
    {"userb@example.com", "Shared drive is very slow",
     "Opening files on the shared drive takes more than a minute.",
     Ticket::IN_PROGRESS, "admina@example.com", 72,
     "Investigating the storage array."},
    {"userc@example.com", "New hire needs an account",
     "Our new colleague starts Monday and needs an account and a laptop.",
     Ticket::IN_PROGRESS, "adminb@example.com", 20, ""},
    {"userd@example.com", "Wi-Fi weak in meeting room B",
     "The wireless signal in meeting room B keeps dropping during calls.",
     Ticket::IN_PROGRESS, "admina@example.com", 40, ""},
    {"usera@example.com", "Phone does not sync contacts",
     "My work phone stopped syncing contacts last week.", Ticket::IN_PROGRESS,
     "", 10, ""},
    {"userb@example.com", "Keyboard missing several keys",
     "My keyboard has lost the E and R keys.", Ticket::IN_PROGRESS,
     "adminb@example.com", 6, ""},
    {"userc@example.com", "Spreadsheet macro stopped working",
     "The monthly report macro fails with a security warning.",
     Ticket::IN_PROGRESS, "admina@example.com", 90, ""},
    {"userd@example.com", "Need a second monitor",
     "Could I get a second monitor for data entry work?", Ticket::IN_PROGRESS,
     "", 15, ""},
    {"usera@example.com", "Forgot my badge PIN",
     "I cannot remember the PIN for my door badge.", Ticket::RESOLVED,
     "admina@example.com", 120, "PIN reset at the front desk."},
    {"userb@example.com", "Software update failed",
     "The overnight update failed and asks me to retry.", Ticket::RESOLVED,
     "adminb@example.com", 96, ""},
    {"userc@example.com", "Cannot open PDF attachments",
     "PDF attachments open as blank pages.", Ticket::RESOLVED,
     "admina@example.com", 200, ""},
    {"userd@example.com", "Mouse is not working",
     "My wireless mouse does not respond even with new batteries.",
     Ticket::RESOLVED, "", 150, ""},
    {"usera@example.com", "Projector remote missing",
     "The remote for the boardroom projector is gone.", Ticket::RESOLVED,
     "adminb@example.com", 300, ""},
    {"userb@example.com", "Request larger mailbox",
     "My mailbox is full; could the quota be raised?", Ticket::RESOLVED,
     "admina@example.com", 48, ""},
    {"userc@example.com", "Headset microphone too quiet",
     "People cannot hear me on calls with my headset.", Ticket::RESOLVED, "",
     36, ""},
    {"userd@example.com", "Browser keeps crashing",
     "The browser crashes whenever I open the intranet.", Ticket::RESOLVED,
     "adminb@example.com", 80, "Reinstalled the browser."},
};

}  // namespace

absl::Status SeedDemoTickets(
    TicketStore& store, absl::Time now,
    absl::FunctionRef<absl::StatusOr<int64_t>(absl::string_view email)>
        user_id) {
  std::vector<TicketRecord> tickets;
  std::vector<std::vector<NoteRecord>> notes;
  for (const DemoTicket& demo : kTickets) {
    TicketRecord ticket;
    ASSIGN_OR_RETURN(ticket.requester_id, user_id(demo.requester));
    if (demo.assignee[0] != '\0') {
      ASSIGN_OR_RETURN(ticket.assignee_id, user_id(demo.assignee));
    }
    ticket.title = demo.title;
    ticket.body = demo.body;
    ticket.status = demo.status;
    ticket.create_time = now - absl::Hours(demo.age_hours);
    ticket.update_time = ticket.create_time + absl::Minutes(30);
    std::vector<NoteRecord> ticket_notes;
    if (demo.note[0] != '\0') {
      NoteRecord note;
      note.author_id = ticket.assignee_id;
      note.body = demo.note;
      note.create_time = ticket.update_time;
      ticket_notes.push_back(note);
    }
    tickets.push_back(std::move(ticket));
    notes.push_back(std::move(ticket_notes));
  }
  ASSIGN_OR_RETURN(bool seeded, store.SeedIfEmpty(tickets, notes));
  if (seeded) LogInfo("demo_tickets_created");
  return absl::OkStatus();
}

}  // namespace helpdesk::ticket
