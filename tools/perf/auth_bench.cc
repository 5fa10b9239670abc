// Benchmarks the auth service in-process over loopback gRPC (see
// docs/benchmarks.md): the health check as the machine's ceiling, a signed-in
// call whose token the interceptor resolves (GetCurrentUser), the internal
// Authenticate RPC (a store lookup per call), and Login (Argon2id-bound).
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/auth/auth_interceptor.h"
#include "libs/auth/principal.h"
#include "libs/clock/clock.h"
#include "libs/log/log.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "services/auth/auth_component.h"
#include "tools/perf/bench_support.h"
#include "tools/perf/closed_loop.h"

ABSL_FLAG(std::string, data_dir, "/tmp/helpdesk-auth-bench",
          "Scratch directory (wiped first).");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time per row.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Unmeasured warm-up.");
ABSL_FLAG(std::vector<std::string>, concurrency,
          std::vector<std::string>({"8", "32"}), "Client threads per row.");

namespace {

using helpdesk::auth::v1::AuthService;
constexpr char kServiceToken[] = "bench-service-token-0123456789abcdef";

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  helpdesk::InitLogging("auth_bench", helpdesk::LogLevel::kWarning);
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  helpdesk::bench::FreshDirectory(dir);

  helpdesk::RealClock clock;
  auto component = helpdesk::bench::BenchAuth(dir, kServiceToken, &clock);
  if (!component.ok()) {
    std::cerr << component.status() << "\n";
    return 1;
  }
  helpdesk::rpc::Component* components[] = {component->get()};
  auto server = helpdesk::bench::BenchServer(
      components, (*component)->token_resolver(), kServiceToken);
  const std::string target = absl::StrCat("127.0.0.1:", server->port());
  const std::string token = helpdesk::bench::DemoLogin(
      helpdesk::bench::DistinctChannels(target, 1)[0], "usera@example.com");
  helpdesk::auth::v1::LoginRequest login;
  login.set_email("usera@example.com");
  login.set_password("demo123");

  helpdesk::bench::PrintTableHeader();
  for (const std::string& text : absl::GetFlag(FLAGS_concurrency)) {
    const int threads = std::stoi(text);
    const auto channels = helpdesk::bench::DistinctChannels(target, threads);
    std::vector<std::unique_ptr<AuthService::Stub>> auth;
    for (const auto& channel : channels) {
      auth.push_back(AuthService::NewStub(channel));
    }
    const auto warmup = absl::GetFlag(FLAGS_warmup);
    const auto duration = absl::GetFlag(FLAGS_duration);
    const auto ceiling =
        helpdesk::bench::MeasureHealthCeiling(channels, warmup, duration);

    auto me =
        helpdesk::bench::RunClosedLoop(threads, warmup, duration, [&](int t) {
          grpc::ClientContext context;
          context.AddMetadata("authorization", "Bearer " + token);
          helpdesk::auth::v1::User response;
          return auth[t]
              ->GetCurrentUser(&context,
                               helpdesk::auth::v1::GetCurrentUserRequest(),
                               &response)
              .ok();
        });
    std::cout << helpdesk::bench::FormatRow("GetCurrentUser (interceptor)",
                                            threads, me)
              << "\n";

    auto authenticate =
        helpdesk::bench::RunClosedLoop(threads, warmup, duration, [&](int t) {
          grpc::ClientContext context;
          context.AddMetadata(helpdesk::auth::kServiceTokenKey, kServiceToken);
          helpdesk::auth::v1::AuthenticateRequest request;
          request.set_session_token(token);
          helpdesk::auth::v1::AuthenticateResponse response;
          return auth[t]->Authenticate(&context, request, &response).ok();
        });
    std::cout << helpdesk::bench::FormatRow("Authenticate (internal, uncached)",
                                            threads, authenticate)
              << "\n";

    auto logins =
        helpdesk::bench::RunClosedLoop(threads, warmup, duration, [&](int t) {
          grpc::ClientContext context;
          helpdesk::auth::v1::LoginResponse response;
          return auth[t]->Login(&context, login, &response).ok();
        });
    std::cout << helpdesk::bench::FormatRow("Login (Argon2id m=19MiB t=2)",
                                            threads, logins)
              << "\n";
    std::cout << "ratios vs ceiling at " << threads
              << " threads: GetCurrentUser "
              << me.calls_per_second / ceiling.calls_per_second
              << ", Authenticate "
              << authenticate.calls_per_second / ceiling.calls_per_second
              << "\n";
  }
  server->Shutdown(absl::Seconds(5));
  return 0;
}
