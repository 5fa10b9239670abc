// `tools/bench_replicas`: several replicas of every service on one
// PostgreSQL database (issue #19), with the real split binaries as child
// processes (libs/testing/replica_set.h), each replica on its own port and
// every peer flag naming every replica:
//   1. drain: per jobs replica count K, a fresh database and K processes of
//      every service; every jobs replica is killed, M ticket.status_changed
//      jobs for userb are written straight into the jobs store, and the time
//      runs from restarting the jobs replicas (their startup included) until
//      userb's unread count, read through the notification replicas, has
//      grown by M;
//   2. latency: two replicas of every service; usera watches her
//      notifications on notification replica 0 and on replica 1, admina
//      changes the status of usera's ticket through ticket replica 1, and a
//      sample lasts until both streams have delivered the notification, so
//      that every sample includes a delivery announced from another replica
//      (pg_notify). One change at a time.
#include <algorithm>
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
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/db/pg/pool.h"
#include "libs/db/store.h"
#include "libs/status/status_macros.h"
#include "libs/testing/replica_set.h"
#include "tools/perf/daemon.h"
#include "tools/perf/dataset.h"
#include "tools/perf/or_exit.h"

ABSL_FLAG(std::string, bin_dir, "",
          "Where services/<name>/<name>_server are (tools/bench_replicas "
          "passes the -c opt bazel-bin).");
ABSL_FLAG(std::string, work_dir, "/tmp/helpdesk-replicas-bench",
          "Scratch directory (wiped per run).");
ABSL_FLAG(std::string, database_host, "", "PostgreSQL socket dir or host.");
ABSL_FLAG(int, database_port, 5432, "PostgreSQL port.");
ABSL_FLAG(std::vector<std::string>, jobs_replicas,
          std::vector<std::string>({"1", "2"}),
          "Replica counts to drain with (every service gets as many).");
ABSL_FLAG(int, jobs, 20000, "Jobs queued before each drain.");
ABSL_FLAG(int, workers, 4, "Worker threads per jobs replica.");
ABSL_FLAG(int, latency_samples, 200, "Status changes timed one by one.");

namespace helpdesk::perf {
namespace {

namespace notifications_v1 = ::helpdesk::notifications::v1;
namespace tickets_v1 = ::helpdesk::tickets::v1;

std::shared_ptr<grpc::Channel> Channel(const std::string& target) {
  grpc::ChannelArguments arguments;
  arguments.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   arguments);
}

std::shared_ptr<grpc::Channel> Channel(const testing::ReplicaSet& set,
                                       const std::string& name, int index) {
  return Channel(absl::StrCat("127.0.0.1:", set.port(name, index)));
}

// A fresh database and work directory, and `replicas` processes of every
// service on them.
std::unique_ptr<testing::ReplicaSet> StartSystem(int replicas,
                                                 db::Storage& storage) {
  const std::string server = absl::StrCat(
      "host=", absl::GetFlag(FLAGS_database_host),
      " port=", absl::GetFlag(FLAGS_database_port), " user=postgres");
  auto pool = OrFail(
      db::pg::Pool::Open({.conninfo = server + " dbname=postgres", .size = 1}),
      "connect to PostgreSQL");
  OrFail(pool->WithConnection([](db::pg::Connection& c) -> absl::Status {
    RETURN_IF_ERROR(
        c.ExecuteScript("DROP DATABASE IF EXISTS replicas_bench WITH (FORCE)"));
    return c.ExecuteScript("CREATE DATABASE replicas_bench");
  }),
         "create database replicas_bench");
  const std::string dir = absl::GetFlag(FLAGS_work_dir);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  storage = {.data_dir = dir,
             .database_url = server + " dbname=replicas_bench"};
  return OrFail(
      testing::ReplicaSet::Start(
          {.replicas = replicas,
           .gateways = 0,
           .bin_dir = absl::GetFlag(FLAGS_bin_dir),
           .database_url = storage.database_url,
           .work_dir = dir,
           .flags = {{"auth",
                      {"--argon2_memory_kib=64", "--argon2_iterations=1",
                       "--rate_limits=false"}},
                     {"ticket", {"--rate_limits=false"}},
                     {"jobs",
                      {"--sweep_interval=1h",
                       absl::StrCat("--workers=",
                                    absl::GetFlag(FLAGS_workers))}}}}),
      absl::StrCat("start ", replicas, " replicas of every service"));
}

void Drain(int replicas) {
  const int jobs = absl::GetFlag(FLAGS_jobs);
  db::Storage storage;
  auto set = StartSystem(replicas, storage);
  for (int i = 0; i < replicas; ++i) OrFail(set->Kill("jobs", i), "kill jobs");
  OrFail(QueueStatusChangedJobs(storage, jobs, /*ticket_id=*/1, kUserBId,
                                absl::Now()),
         "queue jobs");
  const std::string userb =
      Login(Channel(set->Target("auth")), "userb@example.com");
  auto notifications = notifications_v1::NotificationService::NewStub(
      Channel(set->Target("notification")));
  auto unread = [&] {
    grpc::ClientContext context;
    Authorize(context, userb);
    notifications_v1::GetUnreadCountResponse response;
    OrFail(notifications->GetUnreadCount(&context, {}, &response), "unread");
    return response.count();
  };
  const int64_t want = unread() + jobs;
  const absl::Time start = absl::Now();
  for (int i = 0; i < replicas; ++i) {
    OrFail(set->StartReplica("jobs", i), "restart jobs");
  }
  int64_t count = 0;
  while ((count = unread()) < want) {
    if (absl::Now() - start > absl::Minutes(10)) {
      Fail(absl::StrCat("drain: ", count, " of ", want, " after 10 min"));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::cout << absl::StrFormat("| %d | %d | %d | %.2f | %.0f |", replicas,
                               absl::GetFlag(FLAGS_workers), jobs, seconds,
                               jobs / seconds)
            << std::endl;
}

// usera's WatchNotifications stream on one notification replica: when each
// notification about `ticket_id` arrived.
class Watcher {
 public:
  Watcher(std::shared_ptr<grpc::Channel> channel, const std::string& token,
          int64_t ticket_id)
      : stub_(notifications_v1::NotificationService::NewStub(channel)) {
    context_.AddMetadata("authorization", "Bearer " + token);
    reader_ = stub_->WatchNotifications(&context_, {});
    notifications_v1::WatchNotificationsResponse event;
    if (!reader_->Read(&event)) Fail("watch: no opening heartbeat");
    thread_ = std::thread([this, ticket_id] {
      notifications_v1::WatchNotificationsResponse event;
      while (reader_->Read(&event)) {
        if (!event.has_notification() ||
            event.notification().ticket_id() != ticket_id) {
          continue;
        }
        absl::MutexLock lock(&mu_);
        arrivals_.push_back(absl::Now());
      }
    });
  }
  ~Watcher() {
    context_.TryCancel();
    thread_.join();
  }

  // When the `n`th notification arrived (waits up to 10 s for it).
  absl::Time Arrival(size_t n) {
    absl::MutexLock lock(&mu_);
    auto arrived = [&] { return arrivals_.size() >= n; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(10))) {
      Fail("a status-change notification did not arrive within 10 s");
    }
    return arrivals_[n - 1];
  }

 private:
  std::unique_ptr<notifications_v1::NotificationService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReader<notifications_v1::WatchNotificationsResponse>>
      reader_;
  absl::Mutex mu_;
  std::vector<absl::Time> arrivals_;
  std::thread thread_;
};

double Ms(std::vector<absl::Duration> samples, double q) {
  std::sort(samples.begin(), samples.end());
  return absl::ToDoubleMilliseconds(samples[std::min(
      samples.size() - 1, static_cast<size_t>(q * samples.size()))]);
}

void Latency() {
  db::Storage storage;
  auto set = StartSystem(2, storage);
  const std::string usera =
      Login(Channel(*set, "auth", 0), "usera@example.com");
  const std::string admina =
      Login(Channel(*set, "auth", 1), "admina@example.com");
  tickets_v1::Ticket ticket;
  {
    auto tickets =
        tickets_v1::TicketService::NewStub(Channel(*set, "ticket", 0));
    grpc::ClientContext context;
    Authorize(context, usera);
    tickets_v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title("Latency probe");
    request.mutable_ticket()->set_body("Status changes are timed on this one.");
    OrFail(tickets->CreateTicket(&context, request, &ticket), "create");
  }
  Watcher watchers[] = {{Channel(*set, "notification", 0), usera, ticket.id()},
                        {Channel(*set, "notification", 1), usera, ticket.id()}};
  auto tickets = tickets_v1::TicketService::NewStub(Channel(*set, "ticket", 1));
  const tickets_v1::Ticket::Status cycle[] = {tickets_v1::Ticket::IN_PROGRESS,
                                              tickets_v1::Ticket::RESOLVED,
                                              tickets_v1::Ticket::OPEN};
  const int count = absl::GetFlag(FLAGS_latency_samples);
  std::vector<absl::Duration> both, on[2];
  for (int i = 0; i < count; ++i) {
    grpc::ClientContext context;
    Authorize(context, admina);
    tickets_v1::UpdateTicketRequest request;
    request.mutable_ticket()->set_id(ticket.id());
    request.mutable_ticket()->set_status(cycle[i % 3]);
    request.mutable_update_mask()->add_paths("status");
    tickets_v1::Ticket updated;
    const absl::Time start = absl::Now();
    OrFail(tickets->UpdateTicket(&context, request, &updated), "status");
    for (int w = 0; w < 2; ++w)
      on[w].push_back(watchers[w].Arrival(i + 1) - start);
    both.push_back(std::max(on[0].back(), on[1].back()));
  }
  std::cout << absl::StrFormat("| %d | %.2f | %.2f | %.2f | %.2f | %.2f |",
                               count, Ms(both, 0.5), Ms(both, 0.99),
                               Ms(both, 1.0), Ms(on[0], 0.99), Ms(on[1], 0.99))
            << std::endl;
}

}  // namespace
}  // namespace helpdesk::perf

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::cout << "\n### Jobs drained with 1 and with 2 jobs replicas\n\n"
            << "| jobs replicas | workers each | jobs | drain s | jobs/s |\n"
            << "| ---: | ---: | ---: | ---: | ---: |" << std::endl;
  for (const std::string& text : absl::GetFlag(FLAGS_jobs_replicas)) {
    int replicas = 0;
    if (!absl::SimpleAtoi(text, &replicas) || replicas < 1) {
      helpdesk::perf::Fail("--jobs_replicas: " + text);
    }
    helpdesk::perf::Drain(replicas);
  }
  std::cout << "\n### Status change → notification across replicas, "
               "p50/p99/max\n\n"
            << "| samples | p50 ms | p99 ms | max ms | p99 ms, watcher on "
               "notification 0 | p99 ms, watcher on notification 1 |\n"
            << "| ---: | ---: | ---: | ---: | ---: | ---: |" << std::endl;
  helpdesk::perf::Latency();
  std::filesystem::remove_all(absl::GetFlag(FLAGS_work_dir));
  return 0;
}
