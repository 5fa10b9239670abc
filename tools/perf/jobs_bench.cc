// Benchmarks the job pipeline end to end, in-process over gRPC (auth,
// audit, ticket, notification and jobs on one server, as in helpdeskd; peers
// over an abstract Unix socket of that server, as in helpdeskd):
//   1. drain: N ticket.status_changed jobs enqueued through EnqueueJob while
//      the workers are stopped, then the time from starting the workers
//      until every notification is stored (per worker count);
//   2. latency: an admin's UpdateTicket (status) until the owner's
//      WatchNotifications stream delivers the notification (ticket outbox →
//      EnqueueJob → worker → CreateNotification → stream), p50/p99;
//   3. escalation: RunEscalationSweep over M overdue unassigned tickets,
//      then until every admin holds M notifications.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/jobs/v1/jobs.grpc.pb.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/clients/call_context.h"
#include "libs/clock/clock.h"
#include "libs/log/log.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "services/audit/audit_component.h"
#include "services/auth/auth_component.h"
#include "services/jobs/jobs_component.h"
#include "services/notification/notification_component.h"
#include "services/ticket/ticket_component.h"
#include "tools/perf/bench_support.h"

ABSL_FLAG(std::string, data_dir, "/tmp/helpdesk-jobs-bench",
          "Scratch directory (wiped per run).");
ABSL_FLAG(int, jobs, 20000, "Jobs queued before each drain.");
ABSL_FLAG(std::vector<std::string>, workers,
          std::vector<std::string>({"1", "2", "4", "8"}),
          "Worker counts to drain with.");
ABSL_FLAG(int, claim_batch, 4, "Jobs a worker claims at a time.");
ABSL_FLAG(int, enqueue_threads, 8, "Client threads calling EnqueueJob.");
ABSL_FLAG(int, latency_samples, 300, "Status changes timed one by one.");
ABSL_FLAG(int, latency_workers, 4, "Workers during the latency run.");
ABSL_FLAG(int, overdue_tickets, 20000,
          "Overdue unassigned tickets for the escalation run (0: skip).");

namespace {

namespace v1 = helpdesk::jobs::v1;
using helpdesk::notifications::v1::NotificationService;
using helpdesk::tickets::v1::Ticket;
using helpdesk::tickets::v1::TicketService;

constexpr char kToken[] = "bench-service-token-0123456789abcdef";
constexpr const char* kUsers[] = {"usera@example.com", "userb@example.com",
                                  "userc@example.com", "userd@example.com"};

void Check(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "jobs_bench: " << what << " failed\n";
    std::exit(1);
  }
}

struct Session {
  int64_t id = 0;
  std::string token;
};

// helpdeskd's shape, jobs workers not yet started.
class Pipeline {
 public:
  Pipeline(const std::string& dir, int workers) {
    helpdesk::bench::FreshDirectory(dir);
    // The services call each other on a Unix socket of the one server.
    const std::string internal = helpdesk::rpc::NewLocalAddress("jobs-bench");
    const auto peers =
        helpdesk::rpc::Peers::AllTo(helpdesk::clients::PeerChannel(internal));
    auto auth = helpdesk::bench::BenchAuth(dir, kToken, &clock_, peers);
    auto audit = helpdesk::audit::AuditComponent::Create(
        {{.data_dir = dir}, kToken, "k"}, &clock_);
    helpdesk::ticket::TicketComponentOptions ticket_options;
    ticket_options.storage.data_dir = dir;
    ticket_options.service_token = kToken;
    ticket_options.service.rate_limits = false;
    ticket_options.service.page_token_key = "k";
    auto tickets = helpdesk::ticket::TicketComponent::Create(ticket_options,
                                                             &clock_, peers);
    Check(auth.ok() && audit.ok() && tickets.ok(), "create");
    auth_ = std::move(*auth);
    audit_ = std::move(*audit);
    tickets_ = std::move(*tickets);
    helpdesk::notification::NotificationComponentOptions notification_options;
    notification_options.storage.data_dir = dir;
    notification_options.service_token = kToken;
    auto notification = helpdesk::notification::NotificationComponent::Create(
        notification_options, &clock_, auth_->token_resolver());
    helpdesk::jobs::JobsComponentOptions jobs_options;
    jobs_options.storage.data_dir = dir;
    jobs_options.service_token = kToken;
    jobs_options.workers.workers = workers;
    jobs_options.workers.claim_batch = absl::GetFlag(FLAGS_claim_batch);
    jobs_options.escalation.sweep_interval = absl::ZeroDuration();
    auto jobs =
        helpdesk::jobs::JobsComponent::Create(jobs_options, &clock_, peers);
    Check(notification.ok() && jobs.ok(), "create");
    notification_ = std::move(*notification);
    jobs_ = std::move(*jobs);

    components_ = {auth_.get(), audit_.get(), tickets_.get(),
                   notification_.get(), jobs_.get()};
    server_ = helpdesk::bench::BenchServer(components_, auth_->token_resolver(),
                                           kToken, internal);
    Check(auth_->Start().ok() && tickets_->Start().ok(), "background work");
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  ~Pipeline() {
    helpdesk::rpc::StopAll(components_);
    server_->Shutdown(absl::Seconds(1));
  }

  void StartWorkers() { Check(jobs_->Start().ok(), "workers"); }

  Session Login(const std::string& email) {
    auto stub = helpdesk::auth::v1::AuthService::NewStub(channel_);
    grpc::ClientContext context;
    helpdesk::auth::v1::LoginRequest request;
    request.set_email(email);
    request.set_password("demo123");
    helpdesk::auth::v1::LoginResponse response;
    Check(stub->Login(&context, request, &response).ok(), "login");
    return {response.user().id(), response.session_token()};
  }

  int64_t UnreadCount(const Session& user) {
    auto stub = NotificationService::NewStub(channel_);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + user.token);
    helpdesk::notifications::v1::GetUnreadCountResponse response;
    Check(stub->GetUnreadCount(&context, {}, &response).ok(), "unread count");
    return response.count();
  }

  // Waits until the users' unread counts add up to `total`.
  absl::Duration WaitForUnread(const std::vector<Session>& users, int64_t total,
                               absl::Time since) {
    while (true) {
      int64_t sum = 0;
      for (const Session& user : users) sum += UnreadCount(user);
      if (sum >= total) return absl::Now() - since;
      absl::SleepFor(absl::Milliseconds(5));
    }
  }

  helpdesk::RealClock clock_;
  std::unique_ptr<helpdesk::auth::AuthComponent> auth_;
  std::unique_ptr<helpdesk::audit::AuditComponent> audit_;
  std::unique_ptr<helpdesk::ticket::TicketComponent> tickets_;
  std::unique_ptr<helpdesk::notification::NotificationComponent> notification_;
  std::unique_ptr<helpdesk::jobs::JobsComponent> jobs_;
  std::unique_ptr<helpdesk::rpc::RpcServer> server_;
  std::vector<helpdesk::rpc::Component*> components_;
  std::shared_ptr<grpc::Channel> channel_;
};

void Drain(int workers) {
  const int jobs = absl::GetFlag(FLAGS_jobs);
  Pipeline pipeline(absl::GetFlag(FLAGS_data_dir), workers);
  std::vector<Session> users;
  for (const char* email : kUsers) users.push_back(pipeline.Login(email));

  const int threads = absl::GetFlag(FLAGS_enqueue_threads);
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  const absl::Time enqueue_start = absl::Now();
  std::vector<std::thread> clients;
  for (int t = 0; t < threads; ++t) {
    clients.emplace_back([&, t] {
      grpc::ChannelArguments args;
      args.SetInt("bench_channel", t);
      auto stub = v1::JobService::NewStub(grpc::CreateCustomChannel(
          absl::StrCat("127.0.0.1:", pipeline.server_->port()),
          grpc::InsecureChannelCredentials(), args));
      for (int i = next++; i < jobs; i = next++) {
        v1::TicketStatusChangedPayload payload;
        payload.set_ticket_id(i + 1);
        payload.set_ticket_title("Benchmark printer ticket");
        payload.set_requester_id(users[i % users.size()].id);
        payload.set_old_status(Ticket::OPEN);
        payload.set_new_status(Ticket::RESOLVED);
        v1::EnqueueJobRequest request;
        request.set_type("ticket.status_changed");
        request.mutable_payload()->PackFrom(payload);
        request.set_dedupe_key(absl::StrCat("bench/", i));
        grpc::ClientContext context;
        context.AddMetadata("x-helpdesk-service-token", kToken);
        v1::Job response;
        if (!stub->EnqueueJob(&context, request, &response).ok()) ++failed;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  const absl::Duration enqueue = absl::Now() - enqueue_start;
  Check(failed == 0, "EnqueueJob");

  const absl::Time start = absl::Now();
  pipeline.StartWorkers();
  const absl::Duration drain = pipeline.WaitForUnread(users, jobs, start);
  std::cout << absl::StrFormat("| %d | %d | %.0f | %.2f | %.0f |", workers,
                               jobs, jobs / absl::ToDoubleSeconds(enqueue),
                               absl::ToDoubleSeconds(drain),
                               jobs / absl::ToDoubleSeconds(drain))
            << std::endl;
}

void Latency() {
  Pipeline pipeline(absl::GetFlag(FLAGS_data_dir),
                    absl::GetFlag(FLAGS_latency_workers));
  pipeline.StartWorkers();
  const Session owner = pipeline.Login("usera@example.com");
  const Session admin = pipeline.Login("admina@example.com");
  auto tickets = TicketService::NewStub(pipeline.channel_);
  Ticket ticket;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + owner.token);
    helpdesk::tickets::v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title("Benchmark printer ticket");
    request.mutable_ticket()->set_body("The printer jams on every page");
    Check(tickets->CreateTicket(&context, request, &ticket).ok(), "create");
  }
  auto notifications = NotificationService::NewStub(pipeline.channel_);
  grpc::ClientContext watch_context;
  watch_context.AddMetadata("authorization", "Bearer " + owner.token);
  auto watch = notifications->WatchNotifications(&watch_context, {});
  helpdesk::notifications::v1::WatchNotificationsResponse event;
  Check(watch->Read(&event), "watch");  // the opening heartbeat

  const Ticket::Status cycle[] = {Ticket::IN_PROGRESS, Ticket::RESOLVED,
                                  Ticket::OPEN};
  std::vector<absl::Duration> samples;
  const int count = absl::GetFlag(FLAGS_latency_samples);
  for (int i = 0; i < count; ++i) {
    const absl::Time start = absl::Now();
    {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + admin.token);
      helpdesk::tickets::v1::UpdateTicketRequest request;
      request.mutable_ticket()->set_id(ticket.id());
      request.mutable_ticket()->set_status(cycle[i % 3]);
      request.mutable_update_mask()->add_paths("status");
      Ticket updated;
      Check(tickets->UpdateTicket(&context, request, &updated).ok(), "update");
    }
    do {
      Check(watch->Read(&event), "watch");
    } while (!event.has_notification());
    samples.push_back(absl::Now() - start);
  }
  watch_context.TryCancel();
  watch->Finish().IgnoreError();
  std::sort(samples.begin(), samples.end());
  auto at = [&](double p) {
    return absl::ToDoubleMilliseconds(samples[std::min(
        samples.size() - 1, static_cast<size_t>(p * samples.size()))]);
  };
  std::cout << absl::StrFormat("| %d | %d | %.2f | %.2f | %.2f |",
                               absl::GetFlag(FLAGS_latency_workers), count,
                               at(0.5), at(0.99), at(1.0))
            << std::endl;
}

void Escalation() {
  const int overdue = absl::GetFlag(FLAGS_overdue_tickets);
  const int workers = absl::GetFlag(FLAGS_latency_workers);
  Pipeline pipeline(absl::GetFlag(FLAGS_data_dir), workers);
  const Session admin_a = pipeline.Login("admina@example.com");
  const Session admin_b = pipeline.Login("adminb@example.com");
  const Session owner = pipeline.Login("usera@example.com");
  const absl::Time now = pipeline.clock_.Now();
  std::vector<helpdesk::ticket::TicketRecord> batch;
  for (int i = 0; i < overdue; ++i) {
    helpdesk::ticket::TicketRecord ticket;
    ticket.requester_id = owner.id;
    ticket.title = absl::StrCat("Overdue benchmark ticket ", i);
    ticket.body = "Nobody looked at this";
    ticket.status = Ticket::OPEN;
    ticket.create_time = now - absl::Hours(48);
    ticket.update_time = ticket.create_time;
    batch.push_back(std::move(ticket));
    if (batch.size() == 10'000 || i + 1 == overdue) {
      Check(pipeline.tickets_->store()->ImportBatch(batch).ok(), "import");
      batch.clear();
    }
  }
  pipeline.StartWorkers();

  auto jobs = v1::JobService::NewStub(pipeline.channel_);
  const absl::Time start = absl::Now();
  v1::RunEscalationSweepResponse swept;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + admin_a.token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(10)));
    grpc::Status status = jobs->RunEscalationSweep(&context, {}, &swept);
    Check(status.ok(), "RunEscalationSweep: " + status.error_message());
  }
  const absl::Duration sweep = absl::Now() - start;
  Check(swept.escalated_count() == overdue, "escalated count");
  // Job ids count up from 1: the newest is the number enqueued.
  while (true) {
    auto newest =
        pipeline.jobs_->store()->List(v1::Job::STATE_UNSPECIFIED, 0, 1);
    Check(newest.ok(), "list");
    if (!newest->empty() && newest->front().id >= overdue) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Duration enqueued = absl::Now() - start;
  const absl::Duration delivered =
      pipeline.WaitForUnread({admin_a, admin_b}, 2 * int64_t{overdue}, start);
  std::cout << absl::StrFormat("| %d | %d | %.2f | %.2f | %.2f | %.0f |",
                               overdue, workers, absl::ToDoubleSeconds(sweep),
                               absl::ToDoubleSeconds(enqueued),
                               absl::ToDoubleSeconds(delivered),
                               2 * overdue / absl::ToDoubleSeconds(delivered))
            << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  helpdesk::InitLogging("jobs_bench", helpdesk::LogLevel::kError);

  std::cout << "\n### Drain: enqueue -> notification stored\n\n"
            << "| workers | jobs | enqueue/s | drain s | jobs/s |\n"
            << "| ---: | ---: | ---: | ---: | ---: |" << std::endl;
  for (const std::string& text : absl::GetFlag(FLAGS_workers)) {
    int workers = 0;
    Check(absl::SimpleAtoi(text, &workers) && workers > 0, "--workers");
    Drain(workers);
  }

  std::cout << "\n### Latency: UpdateTicket(status) -> owner's watch stream\n\n"
            << "| workers | samples | p50 ms | p99 ms | max ms |\n"
            << "| ---: | ---: | ---: | ---: | ---: |" << std::endl;
  Latency();

  if (absl::GetFlag(FLAGS_overdue_tickets) > 0) {
    std::cout << "\n### Escalation: sweep -> every admin notified\n\n"
              << "| overdue tickets | workers | sweep s | jobs enqueued s | "
                 "all delivered s | notifications/s |\n"
              << "| ---: | ---: | ---: | ---: | ---: | ---: |" << std::endl;
    Escalation();
  }
  std::filesystem::remove_all(absl::GetFlag(FLAGS_data_dir));
  return 0;
}
