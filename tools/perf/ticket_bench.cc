// Generates tickets straight through the ticket store, then measures the
// ticket RPCs over loopback gRPC at 100 000 and 1 000 000 tickets (see
// docs/benchmarks.md). Auth, audit and tickets run in this process on one
// server, as in helpdeskd.
#include <atomic>
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
#include "grpcpp/grpcpp.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"
#include "libs/log/log.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"
#include "services/ticket/ticket_component.h"
#include "tools/perf/bench_support.h"
#include "tools/perf/closed_loop.h"

ABSL_FLAG(std::string, data_dir, "/tmp/helpdesk-ticket-bench",
          "Scratch directory (wiped first).");
ABSL_FLAG(std::vector<std::string>, sizes,
          std::vector<std::string>({"100000", "1000000"}),
          "Ticket counts to measure at, ascending.");
ABSL_FLAG(int, threads, 8, "Concurrent clients per row.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(3), "Measured time per row.");

namespace {

using helpdesk::tickets::v1::Ticket;
using helpdesk::tickets::v1::TicketService;
constexpr char kToken[] = "bench-service-token-0123456789abcdef";
constexpr const char* kWords[] = {
    "printer", "laptop",   "vpn",     "email",  "password", "monitor",
    "network", "keyboard", "account", "access", "slow",     "broken",
    "crash",   "update",   "install", "wifi",   "phone",    "license"};

// Text with a Zipf-distributed vocabulary of 2 000 words: the domain words
// above are the most frequent ("printer" is in ~9 % of tickets), the
// invented ones ("term1234") get rarer down the list, as in real text.
constexpr int kVocabulary = 2000;

std::string Word(int rank) {
  return rank < 18 ? kWords[rank] : absl::StrCat("term", rank);
}

std::string Sentence(absl::BitGen& bits, int words) {
  std::string text;
  for (int i = 0; i < words; ++i) {
    const int rank = static_cast<int>(
        absl::Zipf<int64_t>(bits, kVocabulary - 1, 1.0001, 1.0));
    absl::StrAppend(&text, i ? " " : "", Word(rank));
  }
  return text;
}

void Generate(helpdesk::ticket::TicketStore& store, int from, int to,
              absl::Time now) {
  absl::BitGen bits;
  std::vector<helpdesk::ticket::TicketRecord> batch;
  for (int i = from; i < to; ++i) {
    helpdesk::ticket::TicketRecord ticket;
    ticket.requester_id = absl::Uniform<int64_t>(bits, 3, 1003);
    ticket.title = Sentence(bits, 6);
    ticket.body = Sentence(bits, 40);
    ticket.status = static_cast<Ticket::Status>(absl::Uniform(bits, 1, 4));
    ticket.assignee_id = absl::Uniform(bits, 0, 3);  // 0, 1, 2
    ticket.create_time = now - absl::Seconds(to - i);
    ticket.update_time = ticket.create_time;
    batch.push_back(std::move(ticket));
    if (batch.size() == 10'000 || i + 1 == to) {
      if (!store.ImportBatch(batch).ok()) std::exit(1);
      batch.clear();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  helpdesk::InitLogging("ticket_bench", helpdesk::LogLevel::kError);
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  helpdesk::bench::FreshDirectory(dir);
  helpdesk::RealClock clock;

  // The services call each other on a Unix socket of the one server.
  const std::string internal = helpdesk::rpc::NewLocalAddress("ticket-bench");
  const auto peers =
      helpdesk::rpc::Peers::AllTo(helpdesk::clients::PeerChannel(internal));
  auto auth = helpdesk::bench::BenchAuth(dir, kToken, &clock, peers);
  auto audit = helpdesk::audit::AuditComponent::Create(
      {{.data_dir = dir}, kToken, "k"}, &clock);
  helpdesk::ticket::TicketComponentOptions ticket_options;
  ticket_options.storage.data_dir = dir;
  ticket_options.service_token = kToken;
  ticket_options.service.rate_limits = false;
  ticket_options.service.page_token_key = "k";
  auto tickets =
      helpdesk::ticket::TicketComponent::Create(ticket_options, &clock, peers);
  if (!auth.ok() || !audit.ok() || !tickets.ok()) return 1;
  helpdesk::rpc::Component* components[] = {auth->get(), audit->get(),
                                            tickets->get()};
  auto server = helpdesk::bench::BenchServer(
      components, (*auth)->token_resolver(), kToken, internal);
  if (!helpdesk::rpc::StartAll(components).ok()) return 1;
  const std::string target = absl::StrCat("127.0.0.1:", server->port());
  const int threads = absl::GetFlag(FLAGS_threads);
  const auto channels = helpdesk::bench::DistinctChannels(target, threads);
  const std::string admin =
      helpdesk::bench::DemoLogin(channels[0], "admina@example.com");
  const std::string user =
      helpdesk::bench::DemoLogin(channels[0], "usera@example.com");
  std::vector<std::unique_ptr<TicketService::Stub>> stubs;
  for (const auto& channel : channels) {
    stubs.push_back(TicketService::NewStub(channel));
  }

  int generated = 0;
  for (const std::string& size_text : absl::GetFlag(FLAGS_sizes)) {
    const int size = std::stoi(size_text);
    const absl::Time start = absl::Now();
    Generate(*(*tickets)->store(), generated, size, clock.Now());
    std::cout << "\n### " << size << " tickets (generated " << size - generated
              << " in " << absl::FormatDuration(absl::Now() - start) << ")\n\n";
    helpdesk::bench::PrintTableHeader();
    generated = size;

    auto run = [&](const std::string& name, const std::string& token,
                   auto&& call) {
      auto result = helpdesk::bench::RunClosedLoop(
          threads, absl::Milliseconds(500), absl::GetFlag(FLAGS_duration),
          [&](int t) {
            grpc::ClientContext context;
            context.AddMetadata("authorization", "Bearer " + token);
            return call(t, context);
          });
      std::cout << helpdesk::bench::FormatRow(name, threads, result)
                << std::endl;
      return result;
    };
    helpdesk::bench::MeasureHealthCeiling(channels, absl::Milliseconds(500),
                                          absl::GetFlag(FLAGS_duration));
    run("GetTicket (admin, random id)", admin,
        [&](int t, grpc::ClientContext& context) {
          thread_local absl::BitGen bits;
          helpdesk::tickets::v1::GetTicketRequest request;
          request.set_id(absl::Uniform<int64_t>(bits, 1, size + 1));
          Ticket response;
          return stubs[t]->GetTicket(&context, request, &response).ok();
        });
    auto list = [&](const std::string& name, const std::string& token,
                    helpdesk::tickets::v1::ListTicketsRequest request,
                    bool second_page) {
      if (second_page) {
        grpc::ClientContext context;
        context.AddMetadata("authorization", "Bearer " + token);
        helpdesk::tickets::v1::ListTicketsResponse first;
        stubs[0]->ListTickets(&context, request, &first);
        request.set_page_token(first.next_page_token());
      }
      run(name, token, [&](int t, grpc::ClientContext& context) {
        helpdesk::tickets::v1::ListTicketsResponse response;
        return stubs[t]->ListTickets(&context, request, &response).ok();
      });
    };
    helpdesk::tickets::v1::ListTicketsRequest request;
    request.set_page_size(50);
    request.set_status(Ticket::OPEN);
    list("ListTickets admin status=OPEN p1", admin, request, false);
    list("ListTickets admin status=OPEN p2", admin, request, true);
    request.clear_status();
    request.set_assignee("unassigned");
    list("ListTickets admin unassigned p1", admin, request, false);
    request.clear_assignee();
    request.set_query("printer");
    list("search 'printer' (most common)", admin, request, false);
    request.set_query("term150");
    list("search 'term150' (mid frequency)", admin, request, false);
    request.set_query("term1500");
    list("search 'term1500' (rare)", admin, request, false);
    request.set_query("printer network");
    list("search 'printer network'", admin, request, false);
    request.set_query("prin");
    list("search prefix 'prin'", admin, request, false);
    request.clear_query();
    list("ListTickets user (own) p1", user, request, false);
    run("CreateTicket", user, [&](int t, grpc::ClientContext& context) {
      helpdesk::tickets::v1::CreateTicketRequest create;
      create.mutable_ticket()->set_title("Benchmark printer ticket");
      create.mutable_ticket()->set_body("The printer jams on every page");
      Ticket response;
      return stubs[t]->CreateTicket(&context, create, &response).ok();
    });
  }
  helpdesk::rpc::StopAll(components);
  server->Shutdown(absl::Seconds(1));
  return 0;
}
