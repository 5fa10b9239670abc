// Generates an audit trail straight through the audit store (default 1 000
// 000 events, in batches), then measures ListAuditEvents over loopback gRPC
// with each filter (see docs/benchmarks.md).
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/clock/clock.h"
#include "libs/log/log.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"
#include "tools/perf/bench_support.h"
#include "tools/perf/closed_loop.h"

ABSL_FLAG(std::string, data_dir, "/tmp/helpdesk-audit-bench",
          "Scratch directory (wiped first).");
ABSL_FLAG(int, events, 1'000'000, "Audit events to generate.");
ABSL_FLAG(int, threads, 4, "Concurrent clients per row.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(3), "Measured time per row.");

namespace {

using helpdesk::audit::v1::ListAuditEventsRequest;
constexpr char kToken[] = "bench-service-token-0123456789abcdef";
constexpr const char* kActions[] = {"user.registered", "user.login",
                                    "user.logout",     "ticket.created",
                                    "ticket.edited",   "ticket.status_changed",
                                    "ticket.assigned", "ticket.unassigned",
                                    "note.created",    "ticket.escalated"};
const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

void Generate(helpdesk::audit::AuditStore& store, int count) {
  absl::BitGen bits;
  constexpr int kBatch = 10'000;
  std::vector<helpdesk::audit::NewEvent> batch;
  batch.reserve(kBatch);
  for (int i = 0; i < count; ++i) {
    helpdesk::audit::NewEvent event;
    event.event_key = absl::StrCat("gen-", i);
    event.actor_id = absl::Uniform<int64_t>(bits, 1, 1001);
    event.action = kActions[absl::Uniform<int>(bits, 0, 10)];
    const bool user_event = event.action.rfind("user.", 0) == 0;
    event.entity_type = user_event ? "user" : "ticket";
    event.entity_id =
        user_event ? event.actor_id : absl::Uniform<int64_t>(bits, 1, 100'001);
    event.after_snapshot = "";
    event.create_time = kStart + absl::Seconds(i);  // ~11.5 days of history
    batch.push_back(std::move(event));
    if (batch.size() == kBatch || i + 1 == count) {
      absl::Status status = store.RecordBatch(batch, absl::Now());
      if (!status.ok()) {
        std::cerr << status << "\n";
        std::exit(1);
      }
      batch.clear();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  helpdesk::InitLogging("audit_bench", helpdesk::LogLevel::kWarning);
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  helpdesk::bench::FreshDirectory(dir);
  helpdesk::RealClock clock;

  auto audit = helpdesk::audit::AuditComponent::Create(
      {{.data_dir = dir}, kToken, "k"}, &clock);
  if (!audit.ok()) {
    std::cerr << audit.status() << "\n";
    return 1;
  }
  const int count = absl::GetFlag(FLAGS_events);
  const absl::Time generate_start = absl::Now();
  Generate(*(*audit)->store(), count);
  const absl::Duration generated_in = absl::Now() - generate_start;
  std::cout << "generated " << count << " events in "
            << absl::FormatDuration(generated_in) << " ("
            << static_cast<int64_t>(count / absl::ToDoubleSeconds(generated_in))
            << " events/s, hash chain included); audit.db "
            << std::filesystem::file_size(dir + "/audit.db") / (1 << 20)
            << " MiB\n";

  auto auth = helpdesk::bench::BenchAuth(dir, kToken, &clock);
  if (!auth.ok()) {
    std::cerr << auth.status() << "\n";
    return 1;
  }
  helpdesk::rpc::Component* auth_alone[] = {auth->get()};
  helpdesk::rpc::Component* audit_alone[] = {audit->get()};
  auto auth_server = helpdesk::bench::BenchServer(
      auth_alone, (*auth)->token_resolver(), kToken);
  auto server = helpdesk::bench::BenchServer(audit_alone,
                                             (*auth)->token_resolver(), kToken);

  std::string admin;
  {
    auto stub = helpdesk::auth::v1::AuthService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", auth_server->port()),
                            grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    helpdesk::auth::v1::LoginRequest request;
    request.set_email("admina@example.com");
    request.set_password("demo123");
    helpdesk::auth::v1::LoginResponse response;
    if (!stub->Login(&context, request, &response).ok()) return 1;
    admin = response.session_token();
  }

  const int threads = absl::GetFlag(FLAGS_threads);
  std::vector<std::unique_ptr<helpdesk::audit::v1::AuditService::Stub>> stubs;
  for (int t = 0; t < threads; ++t) {
    grpc::ChannelArguments args;
    args.SetInt("bench_channel", t);
    stubs.push_back(helpdesk::audit::v1::AuditService::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server->port()),
                                  grpc::InsecureChannelCredentials(), args)));
  }

  using google::protobuf::util::TimeUtil;
  std::vector<std::pair<std::string, ListAuditEventsRequest>> scenarios;
  scenarios.push_back({"no filter", {}});
  ListAuditEventsRequest actor;
  actor.set_actor_id(417);
  scenarios.push_back({"actor_id", actor});
  ListAuditEventsRequest action;
  action.set_action("ticket.assigned");
  scenarios.push_back({"action", action});
  ListAuditEventsRequest type;
  type.set_entity_type("user");
  scenarios.push_back({"entity_type", type});
  ListAuditEventsRequest entity;
  entity.set_entity_type("ticket");
  entity.set_entity_id(4242);
  scenarios.push_back({"entity_type + entity_id", entity});
  ListAuditEventsRequest range;
  *range.mutable_start_time() = TimeUtil::SecondsToTimestamp(
      absl::ToUnixSeconds(kStart + absl::Seconds(count / 3)));
  *range.mutable_end_time() = TimeUtil::SecondsToTimestamp(
      absl::ToUnixSeconds(kStart + absl::Seconds(count / 3) + absl::Hours(1)));
  scenarios.push_back({"time range (1 h, mid-history)", range});
  ListAuditEventsRequest combined = action;
  combined.set_actor_id(417);
  scenarios.push_back({"actor_id + action", combined});

  std::cout << "\n| filter (page 50) | threads | calls/s | p50 ms | p90 ms | "
               "p99 ms | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | "
               "---: |\n";
  for (const auto& [name, request] : scenarios) {
    auto result = helpdesk::bench::RunClosedLoop(
        threads, absl::Milliseconds(500), absl::GetFlag(FLAGS_duration),
        [&, request = request](int t) {
          grpc::ClientContext context;
          context.AddMetadata("authorization", "Bearer " + admin);
          helpdesk::audit::v1::ListAuditEventsResponse response;
          return stubs[t]->ListAuditEvents(&context, request, &response).ok();
        });
    std::cout << helpdesk::bench::FormatRow(name, threads, result) << "\n";
  }

  const absl::Time verify_start = absl::Now();
  auto report = (*audit)->store()->VerifyChain();
  std::cout << "\nVerifyAuditChain over " << count
            << " events: " << absl::FormatDuration(absl::Now() - verify_start)
            << (report.ok() && report->ok ? " (ok)" : " (BROKEN)") << "\n";
  server->Shutdown(absl::Seconds(1));
  auth_server->Shutdown(absl::Seconds(1));
  return 0;
}
