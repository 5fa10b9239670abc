#ifndef HELPDESK_TESTS_HELPDESK_FIXTURE_H_
#define HELPDESK_TESTS_HELPDESK_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/rpc/server.h"
#include "libs/testing/temp_dir.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"
#include "services/ticket/ticket_component.h"

namespace helpdesk::testing {

// The real auth, audit and ticket services on one loopback gRPC server, as
// helpdeskd assembles them (shared interceptor, one SQLite file each in a
// temp dir), with a manual clock and cheap Argon2 parameters. Unlike
// helpdeskd, whose services call each other over loopback TCP, the services
// here call each other (and the relays deliver) over the server's in-process
// channel: TearDown stops the relays before the server, and no test call is
// in flight then. Demo accounts are seeded; demo tickets are not.
// Outbox relays run their threads; tests that inspect deliveries call
// DeliverOutboxes() to flush them deterministically.
class HelpdeskFixture : public ::testing::Test {
 protected:
  static constexpr char kServiceToken[] = "fixture-service-token-0123456789ab";

  void SetUp() override;
  void TearDown() override;

  // A session token for a demo account (password demo123).
  std::string Login(const std::string& email);

  // A channel to the server (TCP loopback, like an outside client).
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  // Adds `authorization: Bearer token` (if non-empty) and, when
  // `as_service`, the service credential.
  static void Authorize(grpc::ClientContext& context, const std::string& token,
                        bool as_service = false);

  // Runs every relay until nothing more is deliverable now.
  void DeliverOutboxes();

  // Rows waiting in a service's outbox file (e.g. "tickets.db").
  int64_t OutboxRows(const std::string& database,
                     const std::string& where = "");

  // Payloads of outbox rows for `destination`, oldest first.
  std::vector<std::string> OutboxPayloads(const std::string& database,
                                          const std::string& destination);

  // Set in a test's constructor, before SetUp(): false turns the ticket
  // service's rate limits off (tests that make many tickets or edits).
  bool ticket_rate_limits_ = true;

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<auth::AuthComponent> auth_;
  std::unique_ptr<audit::AuditComponent> audit_;
  std::unique_ptr<ticket::TicketComponent> tickets_;
  std::unique_ptr<rpc::RpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace helpdesk::testing

#endif  // HELPDESK_TESTS_HELPDESK_FIXTURE_H_
