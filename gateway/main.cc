// gateway: the gRPC-JSON gateway as its own process, in front of services
// that run as separate processes (helpdeskd hosts it in-process instead).
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gateway/gateway.h"
#include "libs/auth/service_credential.h"
#include "libs/clients/call_context.h"
#include "libs/log/log.h"
#include "libs/rpc/server_process.h"
#include "libs/rpc/shutdown_signal.h"

ABSL_FLAG(int, port, 8080, "HTTP port; 0 picks a free one.");
ABSL_FLAG(std::string, bind_address, "127.0.0.1", "Address to listen on.");
ABSL_FLAG(std::string, service_token_file, "",
          "File holding the service credential shared by Helpdesk services.");
ABSL_FLAG(std::string, auth_target, "",
          "host:port of the auth service; empty: its routes answer 503.");
ABSL_FLAG(std::string, ticket_target, "", "host:port of the ticket service.");
ABSL_FLAG(std::string, audit_target, "", "host:port of the audit service.");
ABSL_FLAG(std::string, notification_target, "",
          "host:port of the notification service.");
ABSL_FLAG(std::string, jobs_target, "", "host:port of the jobs service.");
ABSL_FLAG(std::vector<std::string>, allowed_origins, {},
          "Comma-separated browser origins (https://app.example.com) allowed "
          "to call with credentials (CORS) and to send state-changing "
          "requests with the session cookie (CSRF).");
ABSL_FLAG(bool, secure_cookies, false,
          "Mark the session cookie Secure (when served over HTTPS).");
ABSL_FLAG(absl::Duration, session_idle_timeout, absl::Minutes(30),
          "Max-Age of the session cookie, renewed by every successful "
          "request on it; match auth's --session_idle_timeout.");
ABSL_FLAG(int, trusted_proxies, 0,
          "Reverse proxies in front whose X-Forwarded-For entries are "
          "trusted; 0: the TCP peer is the client.");
ABSL_FLAG(absl::Duration, backend_deadline, absl::Seconds(10),
          "Deadline of each backend call.");
ABSL_FLAG(int64_t, max_body_bytes, 1 << 20,
          "Largest request body; larger ones get 413.");
ABSL_FLAG(int, max_connections_per_client, 512,
          "Open connections one client address (the TCP peer; an IPv6 /64) "
          "may hold; more are closed at once. 0: no limit. Behind a reverse "
          "proxy every connection is the proxy's: raise it or use 0.");
ABSL_FLAG(absl::Duration, request_header_timeout, absl::Seconds(10),
          "A new connection's first request head must arrive within this "
          "of the connect (a later one's within this of its first byte), or "
          "the connection is closed.");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(60),
          "A keep-alive connection waiting this long for its next request "
          "is closed (event streams are not affected).");
ABSL_FLAG(std::string, descriptor_set, "",
          "FileDescriptorSet to read the routes from; empty: the contracts "
          "built into this binary.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGINT/SIGTERM, time in-flight requests get to finish.");

int main(int argc, char** argv) {
  helpdesk::rpc::ParseServerCommandLine(
      argc, argv,
      "Serves the Helpdesk API as HTTP/JSON in front of its gRPC services.\n"
      "Usage: gateway --port=8080 --auth_target=HOST:PORT ...");
  helpdesk::InitLogging("gateway");
  helpdesk::rpc::PrepareServerProcess();

  auto token = helpdesk::auth::LoadOrGenerateServiceToken(
      absl::GetFlag(FLAGS_service_token_file));
  if (!token.ok()) {
    std::cerr << "gateway: " << token.status().message() << "\n";
    return 1;
  }
  helpdesk::gateway::GatewayOptions options;
  options.bind_address = absl::GetFlag(FLAGS_bind_address);
  options.port = absl::GetFlag(FLAGS_port);
  options.service_token = *token;
  options.allowed_origins = absl::GetFlag(FLAGS_allowed_origins);
  options.secure_cookies = absl::GetFlag(FLAGS_secure_cookies);
  options.session_idle_timeout = absl::GetFlag(FLAGS_session_idle_timeout);
  options.trusted_proxies = absl::GetFlag(FLAGS_trusted_proxies);
  options.backend_deadline = absl::GetFlag(FLAGS_backend_deadline);
  options.max_body_bytes =
      static_cast<size_t>(absl::GetFlag(FLAGS_max_body_bytes));
  options.max_connections_per_client =
      absl::GetFlag(FLAGS_max_connections_per_client);
  options.request_header_timeout = absl::GetFlag(FLAGS_request_header_timeout);
  options.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  options.descriptor_set_path = absl::GetFlag(FLAGS_descriptor_set);

  helpdesk::gateway::BackendChannels backends;
  const std::pair<const char*, std::string> targets[] = {
      {"helpdesk.auth.v1.AuthService", absl::GetFlag(FLAGS_auth_target)},
      {"helpdesk.tickets.v1.TicketService", absl::GetFlag(FLAGS_ticket_target)},
      {"helpdesk.audit.v1.AuditService", absl::GetFlag(FLAGS_audit_target)},
      {"helpdesk.notifications.v1.NotificationService",
       absl::GetFlag(FLAGS_notification_target)},
      {"helpdesk.jobs.v1.JobService", absl::GetFlag(FLAGS_jobs_target)},
  };
  for (const auto& [service, target] : targets) {
    if (!target.empty()) {
      backends[service] = helpdesk::clients::PeerChannel(target);
    }
  }

  auto gateway = helpdesk::gateway::Gateway::Start(options, backends);
  if (!gateway.ok()) {
    helpdesk::LogError("start_failed",
                       {{"error", gateway.status().ToString()}});
    std::cerr << "gateway: " << gateway.status().message() << "\n";
    return 1;
  }
  // Scripts wait for this line: the port is ready when it appears.
  std::cout << "http_port=" << (*gateway)->port() << std::endl;

  const int signal = helpdesk::rpc::WaitForShutdownSignal();
  helpdesk::LogInfo("shutting_down", {{"signal", absl::StrCat(signal)}});
  (*gateway)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  return 0;
}
