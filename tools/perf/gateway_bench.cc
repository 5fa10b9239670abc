// Benchmarks the gRPC-JSON gateway (see docs/benchmarks.md): the same call
// through the gateway (HTTP/1.1 keep-alive, load from Debian's `wrk`) and
// directly over gRPC (closed loop, one channel per client thread), at each
// concurrency. The services (auth and audit, behind the auth interceptor,
// rate limits off) and the gateway run in this process; wrk runs as a child
// process on the same machine.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "gateway/gateway.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"
#include "libs/log/log.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"
#include "services/notification/notification_component.h"
#include "services/ticket/demo_tickets.h"
#include "services/ticket/ticket_component.h"
#include "tools/perf/bench_support.h"
#include "tools/perf/closed_loop.h"

ABSL_FLAG(std::string, data_dir, "/tmp/helpdesk-gateway-bench",
          "Scratch directory (wiped first).");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time per row.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Unmeasured warm-up.");
ABSL_FLAG(std::vector<std::string>, concurrency,
          std::vector<std::string>({"32", "256"}),
          "Connections (wrk) and client threads (gRPC) per row.");
ABSL_FLAG(int, wrk_threads, 2, "wrk threads.");
ABSL_FLAG(int, io_threads, 2, "Gateway event-loop threads.");
ABSL_FLAG(bool, in_process, false,
          "Gateway -> services over the in-process channel (as in helpdeskd) "
          "instead of loopback TCP.");
ABSL_FLAG(int, audit_events, 200, "Audit events to seed.");
ABSL_FLAG(int, page_size, 20, "pageSize of ListAuditEvents.");

namespace {

namespace auth_v1 = helpdesk::auth::v1;
namespace audit_v1 = helpdesk::audit::v1;
constexpr char kServiceToken[] = "bench-service-token-0123456789abcdef";

struct WrkResult {
  double requests_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t errors = 0;  // non-2xx responses and socket errors
};

double ToMs(const std::string& value, const std::string& unit) {
  double number = 0;
  if (!absl::SimpleAtod(value, &number)) return -1;
  if (unit == "us") return number / 1000;
  if (unit == "s") return number * 1000;
  if (unit == "m") return number * 60000;
  return number;
}

std::optional<WrkResult> RunWrk(int connections, const std::string& url,
                                const std::string& token) {
  const std::string command = absl::StrFormat(
      "wrk -t%d -c%d -d%ds --latency -H 'Authorization: Bearer %s' '%s' 2>&1",
      std::min(absl::GetFlag(FLAGS_wrk_threads), connections), connections,
      absl::ToInt64Seconds(absl::GetFlag(FLAGS_duration)), token, url);
  // wrk has no warm-up of its own: a short unmeasured run first.
  const std::string warmup = absl::StrFormat(
      "wrk -t%d -c%d -d%ds -H 'Authorization: Bearer %s' '%s' >/dev/null 2>&1",
      std::min(absl::GetFlag(FLAGS_wrk_threads), connections), connections,
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::GetFlag(FLAGS_warmup))),
      token, url);
  if (std::system(warmup.c_str()) != 0) return std::nullopt;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) {
    output.append(buffer, n);
  }
  if (pclose(pipe) != 0) {
    std::cerr << output;
    return std::nullopt;
  }
  WrkResult result;
  std::smatch match;
  const std::regex rps(R"(Requests/sec:\s+([0-9.]+))");
  const std::regex p50(R"(\n\s+50%\s+([0-9.]+)(us|ms|s|m)\b)");
  const std::regex p99(R"(\n\s+99%\s+([0-9.]+)(us|ms|s|m)\b)");
  const std::regex non2xx(R"(Non-2xx or 3xx responses:\s+([0-9]+))");
  const std::regex socket_errors(
      R"(Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+))");
  if (!std::regex_search(output, match, rps)) {
    std::cerr << output;
    return std::nullopt;
  }
  absl::SimpleAtod(match[1].str(), &result.requests_per_second);
  if (std::regex_search(output, match, p50)) {
    result.p50_ms = ToMs(match[1], match[2]);
  }
  if (std::regex_search(output, match, p99)) {
    result.p99_ms = ToMs(match[1], match[2]);
  }
  if (std::regex_search(output, match, non2xx)) {
    result.errors += std::stoll(match[1]);
  }
  if (std::regex_search(output, match, socket_errors)) {
    for (int i = 1; i <= 4; ++i) result.errors += std::stoll(match[i]);
  }
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  helpdesk::InitLogging("gateway_bench", helpdesk::LogLevel::kWarning);
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  helpdesk::bench::FreshDirectory(dir);

  helpdesk::RealClock clock;
  // Tickets deliver audit events on a Unix socket of the one server.
  const std::string internal = helpdesk::rpc::NewLocalAddress("gateway-bench");
  const auto peers =
      helpdesk::rpc::Peers::AllTo(helpdesk::clients::PeerChannel(internal));
  auto auth = helpdesk::bench::BenchAuth(dir, kServiceToken, &clock);
  auto audit = helpdesk::audit::AuditComponent::Create(
      {{.data_dir = dir}, kServiceToken, "bench"}, &clock);
  helpdesk::ticket::TicketComponentOptions ticket_options;
  ticket_options.storage.data_dir = dir;
  ticket_options.service_token = kServiceToken;
  ticket_options.service.rate_limits = false;
  ticket_options.service.page_token_key = "bench";
  auto tickets = helpdesk::ticket::TicketComponent::Create(
      ticket_options, &clock, helpdesk::rpc::Peers::Unreachable());
  if (!auth.ok() || !audit.ok() || !tickets.ok()) {
    std::cerr << auth.status() << " " << audit.status() << "\n";
    return 1;
  }
  auto notifications = helpdesk::notification::NotificationComponent::Create(
      {dir, kServiceToken, {}, {}}, &clock, (*auth)->token_resolver());
  if (!notifications.ok()) return 1;
  // The demo tickets (24, of six demo accounts created in order).
  if (!helpdesk::ticket::SeedDemoTickets(
           *(*tickets)->store(), clock.Now(),
           [&](absl::string_view email) -> absl::StatusOr<int64_t> {
             auto user = (*auth)->store()->FindUserByEmail(email);
             if (!user.ok()) return user.status();
             return user->id;
           })
           .ok()) {
    return 1;
  }
  helpdesk::rpc::Component* components[] = {
      auth->get(), audit->get(), tickets->get(), notifications->get()};
  auto server = helpdesk::bench::BenchServer(
      components, (*auth)->token_resolver(), kServiceToken, internal);
  const std::string target = absl::StrCat("127.0.0.1:", server->port());
  auto channel = [&](int thread) {
    grpc::ChannelArguments args;
    args.SetInt("bench_channel", thread);  // distinct channels, no sharing
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                     args);
  };

  if (!(*tickets)->Start().ok()) return 1;

  // An admin session, and an audit trail to list.
  std::string token;
  {
    grpc::ClientContext context;
    auth_v1::LoginRequest login;
    login.set_email("admina@example.com");
    login.set_password("demo123");
    auth_v1::LoginResponse session;
    if (!auth_v1::AuthService::NewStub(channel(0))
             ->Login(&context, login, &session)
             .ok()) {
      std::cerr << "login failed\n";
      return 1;
    }
    token = session.session_token();
  }
  {
    auto stub = audit_v1::AuditService::NewStub(channel(0));
    for (int i = 0; i < absl::GetFlag(FLAGS_audit_events); ++i) {
      grpc::ClientContext context;
      context.AddMetadata(helpdesk::auth::kServiceTokenKey, kServiceToken);
      audit_v1::RecordAuditEventRequest request;
      request.set_event_key(absl::StrCat("bench-", i));
      request.set_actor_id(1 + i % 6);
      request.set_action(i % 2 == 0 ? "user.login" : "ticket.edited");
      request.set_entity_type(i % 2 == 0 ? "user" : "ticket");
      request.set_entity_id(i);
      (*request.mutable_after()->mutable_fields())["title"].set_string_value(
          absl::StrCat("Ticket title number ", i));
      audit_v1::AuditEvent response;
      if (!stub->RecordAuditEvent(&context, request, &response).ok()) {
        std::cerr << "seeding audit events failed\n";
        return 1;
      }
    }
  }

  helpdesk::gateway::GatewayOptions gateway_options;
  gateway_options.service_token = kServiceToken;
  gateway_options.io_threads = absl::GetFlag(FLAGS_io_threads);
  auto gateway = helpdesk::gateway::Gateway::Start(
      gateway_options, absl::GetFlag(FLAGS_in_process)
                           ? server->InProcessChannel()
                           : channel(-1));
  if (!gateway.ok()) {
    std::cerr << gateway.status() << "\n";
    return 1;
  }
  const std::string base =
      absl::StrCat("http://127.0.0.1:", (*gateway)->port());
  const int page_size = absl::GetFlag(FLAGS_page_size);

  std::cout
      << "| call | conns | gateway req/s | gateway p50 ms | gateway p99 ms "
         "| gRPC calls/s | gRPC p50 ms | gRPC p99 ms | gateway/gRPC "
         "throughput | errors (gw/gRPC) |\n"
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
         "| ---: |\n";
  for (const std::string& text : absl::GetFlag(FLAGS_concurrency)) {
    const int n = std::stoi(text);
    std::vector<std::unique_ptr<auth_v1::AuthService::Stub>> auth_stubs;
    std::vector<std::unique_ptr<audit_v1::AuditService::Stub>> audit_stubs;
    std::vector<std::unique_ptr<helpdesk::tickets::v1::TicketService::Stub>>
        ticket_stubs;
    std::vector<
        std::unique_ptr<helpdesk::notifications::v1::NotificationService::Stub>>
        notification_stubs;
    for (int t = 0; t < n; ++t) {
      auto ch = channel(t);
      auth_stubs.push_back(auth_v1::AuthService::NewStub(ch));
      audit_stubs.push_back(audit_v1::AuditService::NewStub(ch));
      ticket_stubs.push_back(helpdesk::tickets::v1::TicketService::NewStub(ch));
      notification_stubs.push_back(
          helpdesk::notifications::v1::NotificationService::NewStub(ch));
    }
    struct Row {
      std::string name;
      std::string path;
      std::function<bool(int)> call;
    };
    const std::vector<Row> rows = {
        {"GetUnreadCount (GET /v1/notifications:unreadCount)",
         "/v1/notifications:unreadCount",
         [&](int t) {
           grpc::ClientContext context;
           context.AddMetadata("authorization", "Bearer " + token);
           helpdesk::notifications::v1::GetUnreadCountResponse response;
           return notification_stubs[t]
               ->GetUnreadCount(&context, {}, &response)
               .ok();
         }},
        {"GetTicket (GET /v1/tickets/3)", "/v1/tickets/3",
         [&](int t) {
           grpc::ClientContext context;
           context.AddMetadata("authorization", "Bearer " + token);
           helpdesk::tickets::v1::GetTicketRequest request;
           request.set_id(3);
           helpdesk::tickets::v1::Ticket response;
           return ticket_stubs[t]->GetTicket(&context, request, &response).ok();
         }},
        {"ListTickets (GET /v1/tickets?status=OPEN, 50/page)",
         "/v1/tickets?status=OPEN&pageSize=50",
         [&](int t) {
           grpc::ClientContext context;
           context.AddMetadata("authorization", "Bearer " + token);
           helpdesk::tickets::v1::ListTicketsRequest request;
           request.set_status(helpdesk::tickets::v1::Ticket::OPEN);
           request.set_page_size(50);
           helpdesk::tickets::v1::ListTicketsResponse response;
           return ticket_stubs[t]
               ->ListTickets(&context, request, &response)
               .ok();
         }},
        {"GetCurrentUser (GET /v1/auth/me)", "/v1/auth/me",
         [&](int t) {
           grpc::ClientContext context;
           context.AddMetadata("authorization", "Bearer " + token);
           auth_v1::User response;
           return auth_stubs[t]
               ->GetCurrentUser(&context, auth_v1::GetCurrentUserRequest(),
                                &response)
               .ok();
         }},
        {absl::StrCat("ListAuditEvents (GET /v1/auditEvents, ", page_size,
                      "/page)"),
         absl::StrCat("/v1/auditEvents?pageSize=", page_size),
         [&](int t) {
           grpc::ClientContext context;
           context.AddMetadata("authorization", "Bearer " + token);
           audit_v1::ListAuditEventsRequest request;
           request.set_page_size(page_size);
           audit_v1::ListAuditEventsResponse response;
           return audit_stubs[t]
                      ->ListAuditEvents(&context, request, &response)
                      .ok() &&
                  response.audit_events_size() == page_size;
         }},
    };
    for (const Row& row : rows) {
      std::optional<WrkResult> http = RunWrk(n, base + row.path, token);
      if (!http.has_value()) {
        std::cerr << "wrk failed (is it installed? tools/bootstrap)\n";
        return 1;
      }
      helpdesk::bench::LoadResult grpc_result = helpdesk::bench::RunClosedLoop(
          n, absl::GetFlag(FLAGS_warmup), absl::GetFlag(FLAGS_duration),
          row.call);
      std::cout << absl::StrFormat(
                       "| %s | %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | "
                       "%.2f | %d/%d |",
                       row.name, n, http->requests_per_second, http->p50_ms,
                       http->p99_ms, grpc_result.calls_per_second,
                       absl::ToDoubleMilliseconds(grpc_result.p50),
                       absl::ToDoubleMilliseconds(grpc_result.p99),
                       http->requests_per_second / grpc_result.calls_per_second,
                       http->errors, grpc_result.errors)
                << std::endl;
    }
  }
  (*gateway)->Shutdown(absl::Seconds(1));
  helpdesk::rpc::StopAll(components);
  server->Shutdown(absl::Seconds(1));
  return 0;
}
