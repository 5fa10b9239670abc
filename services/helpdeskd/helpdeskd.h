#ifndef HELPDESK_SERVICES_HELPDESKD_HELPDESKD_H_
#define HELPDESK_SERVICES_HELPDESKD_HELPDESKD_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/gateway.h"
#include "libs/clock/clock.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"
#include "services/jobs/jobs_component.h"
#include "services/notification/notification_component.h"
#include "services/ticket/ticket_component.h"

namespace helpdesk {

// Settings of the all-in-one process; main.cc fills them from flags.
struct HelpdeskdOptions {
  std::string data_dir = "./data";
  // PostgreSQL instead of SQLite files: one schema per service (auth,
  // tickets, audit, notifications, jobs) in this database.
  std::string database_url;
  std::string database_password;
  std::string bind_address = "127.0.0.1";
  int grpc_port = 50051;  // 0 picks a free port
  int http_port = 8080;   // 0 picks a free port
  bool seed_demo = true;
  absl::Duration escalate_after = absl::Hours(24);
  absl::Duration sweep_interval = absl::Seconds(10);
  bool rate_limits = true;
};

// The embedded default deployment: every Helpdesk service in one process,
// on one gRPC port, with one SQLite file per service under `data_dir` (or
// one schema per service of the PostgreSQL database_url), and
// the JSON gateway on the HTTP port (the one user of the server's in-process
// channel). The whole pipeline — ticket changes, audit trail, job queue,
// fan-out, escalation sweeps — runs end to end in this process. Every call
// from one service to another (user lookups, audit history, outbox
// deliveries, the job workers' and the escalation scheduler's calls) goes
// to the same gRPC server over an abstract Unix socket it also listens on
// (rpc::NewLocalAddress; see helpdeskd.cc for why not the in-process
// channel). A service credential is generated in memory at start;
// callers' tokens are resolved straight from the auth store. Thread-safe
// after Start().
class Helpdeskd final {
 public:
  static absl::StatusOr<std::unique_ptr<Helpdeskd>> Start(
      const HelpdeskdOptions& options);

  Helpdeskd(const Helpdeskd&) = delete;
  Helpdeskd& operator=(const Helpdeskd&) = delete;
  ~Helpdeskd();

  int grpc_port() const { return grpc_server_->port(); }
  int http_port() const { return gateway_->port(); }

  // Health answers NOT_SERVING from now on; calls are still served.
  void StartDraining();

  // StartDraining(), then stops taking calls and lets in-flight ones
  // finish for up to `grace`.
  void Shutdown(absl::Duration grace);

 private:
  explicit Helpdeskd(HelpdeskdOptions options);

  HelpdeskdOptions options_;
  RealClock clock_;
  std::unique_ptr<auth::AuthComponent> auth_;
  std::unique_ptr<audit::AuditComponent> audit_;
  std::unique_ptr<ticket::TicketComponent> tickets_;
  std::unique_ptr<notification::NotificationComponent> notifications_;
  std::unique_ptr<jobs::JobsComponent> jobs_;
  // The five above, in dependency order.
  std::vector<rpc::Component*> components_;
  std::unique_ptr<rpc::RpcServer> grpc_server_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

}  // namespace helpdesk

#endif  // HELPDESK_SERVICES_HELPDESKD_HELPDESKD_H_
