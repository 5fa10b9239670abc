// `tools/bench`: the one benchmark of Helpdesk as it runs (see
// docs/benchmarks.md, which this program rewrites). It generates a dataset
// through the services' stores, starts the real helpdeskd binary on it with
// rate limits off, measures every scenario against a ceiling taken in the
// same run on the same server (grpc.health.v1 Health/Check for gRPC,
// /healthz for the gateway), and prints one table with the targets.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/audit/v1/audit.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/jobs/v1/jobs.grpc.pb.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"
#include "libs/proto/time.h"
#include "libs/testing/subprocess.h"
#include "tools/perf/dataset.h"
#include "tools/perf/load.h"

ABSL_FLAG(std::string, helpdeskd, "",
          "The helpdeskd binary to measure (tools/bench passes the -c opt "
          "build).");
ABSL_FLAG(std::string, work_dir, "/tmp/helpdesk-bench",
          "Scratch directory for the datasets (wiped first).");
ABSL_FLAG(bool, quick, false,
          "A smaller dataset and shorter runs: the whole program in under "
          "two minutes.");
ABSL_FLAG(int, users, 1000, "Accounts in the dataset.");
ABSL_FLAG(int, tickets, 100'000, "Tickets in the main dataset.");
ABSL_FLAG(int, audit_events, 1'000'000, "Audit events in the main dataset.");
ABSL_FLAG(std::vector<std::string>, concurrency,
          std::vector<std::string>({"32", "256"}),
          "Concurrent calls (gRPC) / connections (HTTP) per row.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Unmeasured time per row.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(4), "Measured time per row.");
ABSL_FLAG(int, drain_jobs, 20'000, "Jobs queued for the drain run.");
ABSL_FLAG(int, escalation_tickets, 100'000,
          "Overdue tickets for the escalation sweep.");
ABSL_FLAG(int, small_tickets, 10'000,
          "ListTickets scaling: the small dataset.");
ABSL_FLAG(int, large_tickets, 1'000'000,
          "ListTickets scaling: the large dataset.");
ABSL_FLAG(int, watchers, 1000, "Idle WatchNotifications streams.");
ABSL_FLAG(int, latency_samples, 200,
          "Status changes timed until the notification arrives.");
ABSL_FLAG(std::string, report, "",
          "Markdown file to rewrite with the results (docs/benchmarks.md); "
          "empty: print only.");

namespace helpdesk::perf {
namespace {

namespace auth_v1 = ::helpdesk::auth::v1;
namespace audit_v1 = ::helpdesk::audit::v1;
namespace jobs_v1 = ::helpdesk::jobs::v1;
namespace notifications_v1 = ::helpdesk::notifications::v1;
namespace tickets_v1 = ::helpdesk::tickets::v1;

void Fail(const std::string& what) {
  std::cerr << "bench: " << what << "\n";
  std::exit(1);
}

template <typename T>
T OrFail(absl::StatusOr<T> value, const std::string& what) {
  if (!value.ok()) Fail(absl::StrCat(what, ": ", value.status().ToString()));
  return *std::move(value);
}

void OrFail(const grpc::Status& status, const std::string& what) {
  if (!status.ok()) Fail(absl::StrCat(what, ": ", status.error_message()));
}

int64_t RssKiB(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "VmRSS:")) {
      int64_t kib = 0;
      (void)absl::SimpleAtoi(
          absl::StripSuffix(absl::StripAsciiWhitespace(rest), " kB"), &kib);
      return kib;
    }
  }
  return 0;
}

std::string MiB(int64_t kib) {
  return absl::StrFormat("%.1f MiB", kib / 1024.0);
}
std::string Ms(absl::Duration d) {
  return absl::StrFormat("%.2f", absl::ToDoubleMilliseconds(d));
}

// One helpdeskd process on a data directory, on free ports.
class Daemon {
 public:
  Daemon(const std::string& data_dir, std::vector<std::string> extra_flags) {
    std::vector<std::string> argv = {absl::GetFlag(FLAGS_helpdeskd),
                                     "--data_dir=" + data_dir,
                                     "--grpc_port=0",
                                     "--http_port=0",
                                     "--rate_limits=false",
                                     "--seed_demo=false",
                                     "--sweep_interval=0"};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    const absl::Time start = absl::Now();
    process_ = OrFail(testing::Subprocess::Start(argv), "start helpdeskd");
    const std::string grpc_port = OrFail(
        process_->WaitForLine("grpc_port=", absl::Seconds(120)), "grpc_port");
    const std::string http_port = OrFail(
        process_->WaitForLine("http_port=", absl::Seconds(10)), "http_port");
    startup_ = absl::Now() - start;
    spawned_at_ = start;
    target_ = absl::StrCat("127.0.0.1:", grpc_port);
    http_base_ = absl::StrCat("http://127.0.0.1:", http_port);
  }

  ~Daemon() {
    process_->Signal(SIGTERM);
    (void)process_->Wait(absl::Seconds(30));
  }

  const std::string& target() const { return target_; }
  const std::string& http_base() const { return http_base_; }
  absl::Duration startup() const { return startup_; }
  absl::Time spawned_at() const { return spawned_at_; }
  int64_t rss_kib() const { return RssKiB(process_->pid()); }

  // `count` channels that share no connection, as separate clients.
  std::vector<std::shared_ptr<grpc::Channel>> Channels(int count) const {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int i = 0; i < count; ++i) {
      grpc::ChannelArguments arguments;
      arguments.SetInt("bench.channel", i);  // defeats subchannel sharing
      channels.push_back(grpc::CreateCustomChannel(
          target_, grpc::InsecureChannelCredentials(), arguments));
    }
    return channels;
  }

 private:
  std::unique_ptr<testing::Subprocess> process_;
  std::string target_;
  std::string http_base_;
  absl::Duration startup_;
  absl::Time spawned_at_;
};

std::string Login(const std::shared_ptr<grpc::Channel>& channel,
                  const std::string& email) {
  auto stub = auth_v1::AuthService::NewStub(channel);
  grpc::ClientContext context;
  auth_v1::LoginRequest request;
  request.set_email(email);
  request.set_password(kPassword);
  auth_v1::LoginResponse response;
  OrFail(stub->Login(&context, request, &response), "login " + email);
  return response.session_token();
}

void Authorize(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
}

// One row of the final table.
struct Row {
  std::string scenario;
  std::string load;  // "32", "256", or what was counted
  LoadFigures figures;
  std::string ratio;   // "0.72 × Health/Check"
  std::string target;  // "≥ 0.6"
  std::optional<bool> met;
};

class Report {
 public:
  void Add(Row row) {
    std::cout << Format(row) << std::endl;
    rows_.push_back(std::move(row));
  }
  void Note(const std::string& line) {
    std::cout << line << std::endl;
    notes_.push_back(line);
  }

  static std::string Header() {
    return "| scenario | load | calls/s | p50 ms | p90 ms | p99 ms | p99.9 ms "
           "| errors | ratio | target | met |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|";
  }

  static std::string Format(const Row& row) {
    const LoadFigures& f = row.figures;
    return absl::StrFormat(
        "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |",
        row.scenario, row.load,
        f.per_second > 0 ? absl::StrFormat("%.0f", f.per_second) : "",
        f.p50 > absl::ZeroDuration() ? Ms(f.p50) : "",
        f.p90 > absl::ZeroDuration() ? Ms(f.p90) : "",
        f.p99 > absl::ZeroDuration() ? Ms(f.p99) : "",
        f.p999 > absl::ZeroDuration() ? Ms(f.p999) : "",
        f.calls > 0 ? absl::StrCat(f.errors) : "", row.ratio, row.target,
        !row.met.has_value() ? "" : (*row.met ? "yes" : "**no**"));
  }

  std::string Table() const {
    std::string out = Header() + "\n";
    for (const Row& row : rows_) absl::StrAppend(&out, Format(row), "\n");
    return out;
  }
  const std::vector<std::string>& notes() const { return notes_; }
  int missed() const {
    return static_cast<int>(std::count_if(
        rows_.begin(), rows_.end(),
        [](const Row& row) { return row.met.has_value() && !*row.met; }));
  }

 private:
  std::vector<Row> rows_;
  std::vector<std::string> notes_;
};

std::string Ratio(double value, const char* of) {
  return absl::StrFormat("%.2f × %s", value, of);
}

struct Settings {
  absl::Duration warmup;
  absl::Duration duration;
  std::vector<int> concurrency;
};

// The read and write calls of the issue, each as a gRPC method with its
// requests and caller, and as a gateway URL.
struct CallScenario {
  std::string name;
  std::string method;
  std::vector<std::string> requests;
  std::string token;
  std::string http_path;
  std::string http_body;  // non-empty: POST
  double grpc_target;     // of Health/Check
  bool is_read;
};

std::vector<CallScenario> CallScenarios(const Daemon& daemon,
                                        const std::string& admin,
                                        const std::string& user) {
  auto channel = daemon.Channels(1)[0];
  // usera's own tickets, for GetTicket.
  std::vector<int64_t> own_ids;
  {
    auto stub = tickets_v1::TicketService::NewStub(channel);
    grpc::ClientContext context;
    Authorize(context, user);
    tickets_v1::ListTicketsRequest request;
    request.set_page_size(50);
    tickets_v1::ListTicketsResponse response;
    OrFail(stub->ListTickets(&context, request, &response), "own tickets");
    for (const auto& ticket : response.tickets())
      own_ids.push_back(ticket.id());
    if (own_ids.empty()) Fail("usera has no tickets in the dataset");
  }
  std::vector<CallScenario> scenarios;
  {
    notifications_v1::GetUnreadCountRequest request;
    scenarios.push_back(
        {"GetUnreadCount",
         "/helpdesk.notifications.v1.NotificationService/GetUnreadCount",
         {request.SerializeAsString()},
         user,
         "/v1/notifications:unreadCount",
         "",
         0.6,
         true});
  }
  {
    CallScenario scenario{"GetTicket",
                          "/helpdesk.tickets.v1.TicketService/GetTicket",
                          {},
                          user,
                          absl::StrCat("/v1/tickets/", own_ids[0]),
                          "",
                          0.5,
                          true};
    for (int64_t id : own_ids) {
      tickets_v1::GetTicketRequest request;
      request.set_id(id);
      scenario.requests.push_back(request.SerializeAsString());
    }
    scenarios.push_back(std::move(scenario));
  }
  {
    tickets_v1::ListTicketsRequest request;
    request.set_status(tickets_v1::Ticket::OPEN);
    request.set_page_size(50);
    scenarios.push_back({"ListTickets (admin, OPEN, 50)",
                         "/helpdesk.tickets.v1.TicketService/ListTickets",
                         {request.SerializeAsString()},
                         admin,
                         "/v1/tickets?status=OPEN&pageSize=50",
                         "",
                         0.25,
                         true});
  }
  {
    CallScenario scenario{
        "Search (admin, 50)",
        "/helpdesk.tickets.v1.TicketService/ListTickets",
        {},
        admin,
        absl::StrCat("/v1/tickets?query=", kCommonWord, "&pageSize=50"),
        "",
        0.2,
        true};
    for (const char* query : {kCommonWord, "vpn slow", kRareWord, "wifi"}) {
      tickets_v1::ListTicketsRequest request;
      request.set_query(query);
      request.set_page_size(50);
      scenario.requests.push_back(request.SerializeAsString());
    }
    scenarios.push_back(std::move(scenario));
  }
  {
    tickets_v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title("Printer on floor 3 jams");
    request.mutable_ticket()->set_body(
        "Every second page jams since this morning's update.");
    scenarios.push_back(
        {"CreateTicket",
         "/helpdesk.tickets.v1.TicketService/CreateTicket",
         {request.SerializeAsString()},
         user,
         "/v1/tickets",
         R"({"title":"Printer on floor 3 jams","body":"Every second page jams since this morning's update."})",
         0.15,
         false});
  }
  return scenarios;
}

// Throughput of every call against Health/Check over gRPC, then through the
// gateway against the same call over gRPC.
void MeasureCalls(const Daemon& daemon, const Settings& settings,
                  Report& report) {
  auto login_channel = daemon.Channels(1)[0];
  const std::string admin = Login(login_channel, "admina@example.com");
  const std::string user = Login(login_channel, "usera@example.com");
  const std::vector<CallScenario> scenarios =
      CallScenarios(daemon, admin, user);
  const auto channels = daemon.Channels(4);

  for (int concurrency : settings.concurrency) {
    const std::string load = absl::StrCat(concurrency);
    grpc::health::v1::HealthCheckRequest health_request;
    GrpcUnaryLoad health(channels, "/grpc.health.v1.Health/Check",
                         {health_request.SerializeAsString()}, user);
    const LoadFigures ceiling =
        health.Run(concurrency, settings.warmup, settings.duration);
    report.Add({"gRPC Health/Check (ceiling)", load, ceiling, "", "", {}});
    std::vector<LoadFigures> grpc_figures;
    for (const CallScenario& scenario : scenarios) {
      GrpcUnaryLoad call(channels, scenario.method, scenario.requests,
                         scenario.token);
      const LoadFigures figures =
          call.Run(concurrency, settings.warmup, settings.duration);
      grpc_figures.push_back(figures);
      const double ratio = figures.per_second / ceiling.per_second;
      bool met = ratio >= scenario.grpc_target && figures.errors == 0;
      std::string target = absl::StrFormat("≥ %.2f", scenario.grpc_target);
      if (scenario.is_read && concurrency == 32) {
        met = met && figures.p99 <= absl::Milliseconds(5);
        absl::StrAppend(&target, ", p99 ≤ 5 ms");
      }
      report.Add({absl::StrCat("gRPC ", scenario.name), load, figures,
                  Ratio(ratio, "Health"), target, met});
    }

    const LoadFigures http_ceiling =
        RunWrk(daemon.http_base() + "/healthz", user, "", concurrency,
               settings.warmup, settings.duration);
    report.Add({"HTTP /healthz (ceiling)", load, http_ceiling, "", "", {}});
    for (size_t i = 0; i < scenarios.size(); ++i) {
      const CallScenario& scenario = scenarios[i];
      const LoadFigures figures = RunWrk(
          daemon.http_base() + scenario.http_path, scenario.token,
          scenario.http_body, concurrency, settings.warmup, settings.duration);
      const double ratio = figures.per_second / grpc_figures[i].per_second;
      report.Add({absl::StrCat("gateway ", scenario.name), load, figures,
                  absl::StrFormat("%s; %.2f × /healthz", Ratio(ratio, "gRPC"),
                                  figures.per_second / http_ceiling.per_second),
                  "≥ 0.80 × gRPC", ratio >= 0.8 && figures.errors == 0});
    }
  }
}

void MeasureAuditFilters(const Daemon& daemon, const Settings& settings,
                         Report& report) {
  const auto channels = daemon.Channels(4);
  const std::string admin = Login(channels[0], "admina@example.com");
  const absl::Time now = absl::Now();
  struct Filter {
    std::string name;
    audit_v1::ListAuditEventsRequest request;
  };
  std::vector<Filter> filters(4);
  filters[0].name = "actor";
  filters[0].request.set_actor_id(42);
  filters[1].name = "action";
  filters[1].request.set_action("ticket.assigned");
  filters[2].name = "entity";
  filters[2].request.set_entity_type("ticket");
  filters[2].request.set_entity_id(4242);
  filters[3].name = "time range";
  *filters[3].request.mutable_start_time() = ToTimestamp(now - absl::Hours(30));
  *filters[3].request.mutable_end_time() = ToTimestamp(now - absl::Hours(29));
  for (Filter& filter : filters) {
    filter.request.set_page_size(20);
    GrpcUnaryLoad call(channels,
                       "/helpdesk.audit.v1.AuditService/ListAuditEvents",
                       {filter.request.SerializeAsString()}, admin);
    const LoadFigures figures =
        call.Run(32, settings.warmup, settings.duration);
    report.Add(
        {absl::StrCat("gRPC ListAuditEvents by ", filter.name, " (page 20)"),
         "32", figures, "", "p99 ≤ 10 ms",
         figures.p99 <= absl::Milliseconds(10) && figures.errors == 0});
  }
}

// Admin status changes on usera's ticket until usera's watch stream shows
// the notification: ticket outbox → job → notification → stream.
void MeasureNotificationLatency(const Daemon& daemon, int samples,
                                Report& report) {
  auto channel = daemon.Channels(1)[0];
  const std::string admin = Login(channel, "admina@example.com");
  const std::string user = Login(channel, "usera@example.com");
  auto tickets = tickets_v1::TicketService::NewStub(channel);
  int64_t ticket_id = 0;
  {
    grpc::ClientContext context;
    Authorize(context, user);
    tickets_v1::CreateTicketRequest request;
    request.mutable_ticket()->set_title("Latency probe");
    request.mutable_ticket()->set_body("Status changes are timed on this one.");
    tickets_v1::Ticket ticket;
    OrFail(tickets->CreateTicket(&context, request, &ticket), "create");
    ticket_id = ticket.id();
  }
  auto notifications =
      notifications_v1::NotificationService::NewStub(daemon.Channels(1)[0]);
  grpc::ClientContext watch_context;
  watch_context.AddMetadata("authorization", "Bearer " + user);
  auto reader = notifications->WatchNotifications(
      &watch_context, notifications_v1::WatchNotificationsRequest());

  absl::Mutex mu;
  int64_t seen_for_ticket = 0;
  absl::Time last_seen;
  std::thread watcher([&] {
    notifications_v1::WatchNotificationsResponse event;
    while (reader->Read(&event)) {
      if (event.has_notification() &&
          event.notification().ticket_id() == ticket_id) {
        absl::MutexLock lock(&mu);
        ++seen_for_ticket;
        last_seen = absl::Now();
      }
    }
  });

  std::vector<int64_t> latencies_ns;
  for (int i = 0; i < samples; ++i) {
    grpc::ClientContext context;
    Authorize(context, admin);
    tickets_v1::UpdateTicketRequest request;
    request.mutable_ticket()->set_id(ticket_id);
    request.mutable_ticket()->set_status(i % 2 == 0
                                             ? tickets_v1::Ticket::IN_PROGRESS
                                             : tickets_v1::Ticket::OPEN);
    request.mutable_update_mask()->add_paths("status");
    tickets_v1::Ticket updated;
    const absl::Time start = absl::Now();
    OrFail(tickets->UpdateTicket(&context, request, &updated), "status");
    absl::MutexLock lock(&mu);
    const int64_t want = i + 1;
    auto arrived = [&] { return seen_for_ticket >= want; };
    if (!mu.AwaitWithTimeout(absl::Condition(&arrived), absl::Seconds(10))) {
      Fail("a status-change notification did not arrive within 10 s");
    }
    latencies_ns.push_back(absl::ToInt64Nanoseconds(last_seen - start));
  }
  watch_context.TryCancel();
  watcher.join();

  std::sort(latencies_ns.begin(), latencies_ns.end());
  LoadFigures figures;
  figures.calls = samples;
  auto at = [&](double q) {
    return absl::Nanoseconds(latencies_ns[std::min(
        latencies_ns.size() - 1, static_cast<size_t>(q * samples))]);
  };
  figures.p50 = at(0.5);
  figures.p90 = at(0.9);
  figures.p99 = at(0.99);
  report.Add({"status change → watch stream",
              absl::StrCat(samples, " one by one"), figures, "", "p99 ≤ 50 ms",
              figures.p99 <= absl::Milliseconds(50)});
}

// Opens `count` WatchNotifications streams over a few connections and
// reports what they add to helpdeskd's resident memory.
void MeasureIdleWatchers(const Daemon& daemon, int count, Report& report) {
  auto channels = daemon.Channels(8);
  std::vector<std::string> tokens;
  for (const char* email : {"usera@example.com", "userb@example.com",
                            "userc@example.com", "userd@example.com"}) {
    tokens.push_back(Login(channels[0], email));
  }
  const int64_t before = daemon.rss_kib();
  grpc::CompletionQueue queue;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<
      grpc::ClientAsyncReader<notifications_v1::WatchNotificationsResponse>>>
      readers;
  std::vector<std::unique_ptr<notifications_v1::NotificationService::Stub>>
      stubs;
  for (const auto& channel : channels) {
    stubs.push_back(notifications_v1::NotificationService::NewStub(channel));
  }
  for (int i = 0; i < count; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    contexts.back()->AddMetadata("authorization",
                                 "Bearer " + tokens[i % tokens.size()]);
    readers.push_back(stubs[i % stubs.size()]->PrepareAsyncWatchNotifications(
        contexts.back().get(), notifications_v1::WatchNotificationsRequest(),
        &queue));
    readers.back()->StartCall(reinterpret_cast<void*>(1));
  }
  int started = 0;
  void* tag = nullptr;
  bool ok = false;
  while (started < count && queue.Next(&tag, &ok)) ++started;
  // Let the server finish setting every stream up.
  absl::SleepFor(absl::Seconds(2));
  const int64_t after = daemon.rss_kib();
  const int64_t added = after - before;
  report.Add(
      {absl::StrCat(count, " idle watchers: RSS added"),
       absl::StrCat(count, " streams"),
       {},
       MiB(added) + absl::StrFormat(" (%s → %s)", MiB(before), MiB(after)),
       "≤ 40 MiB",
       added <= 40 * 1024});
  for (auto& context : contexts) context->TryCancel();
  grpc::Status status;
  for (auto& reader : readers)
    reader->Finish(&status, reinterpret_cast<void*>(2));
  for (int i = 0; i < count; ++i) queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

int64_t UnreadCount(const std::shared_ptr<grpc::Channel>& channel,
                    const std::string& token) {
  auto stub = notifications_v1::NotificationService::NewStub(channel);
  grpc::ClientContext context;
  Authorize(context, token);
  notifications_v1::GetUnreadCountResponse response;
  OrFail(stub->GetUnreadCount(
             &context, notifications_v1::GetUnreadCountRequest(), &response),
         "unread count");
  return response.count();
}

// Queues `jobs` status-change jobs for userb while helpdeskd is down, starts
// it, and times until every notification is stored.
void MeasureDrain(const std::string& data_dir, int jobs, Report& report) {
  const absl::Time now = absl::Now();
  int64_t baseline = 0;
  {
    Daemon daemon(data_dir, {});
    const auto channel = daemon.Channels(1)[0];
    baseline = UnreadCount(channel, Login(channel, "userb@example.com"));
  }
  if (absl::Status status =
          QueueStatusChangedJobs(data_dir, jobs, 1, kUserBId, now);
      !status.ok()) {
    Fail(status.ToString());
  }
  Daemon daemon(data_dir, {});
  const auto channel = daemon.Channels(1)[0];
  const std::string token = Login(channel, "userb@example.com");
  int64_t count = 0;
  while ((count = UnreadCount(channel, token)) < baseline + jobs) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  const absl::Duration took = absl::Now() - daemon.spawned_at();
  LoadFigures figures;
  figures.per_second = jobs / absl::ToDoubleSeconds(took);
  report.Add({"jobs drained (queued → notification stored)",
              absl::StrCat(jobs, " jobs"), figures,
              absl::StrCat("all in ", absl::FormatDuration(took),
                           " from process start"),
              "≥ 5 000/s", figures.per_second >= 5000});
}

void MeasureEscalation(const std::string& data_dir, int tickets,
                       Report& report) {
  DatasetOptions options;
  options.data_dir = data_dir;
  options.users = 10;
  options.tickets = tickets;
  options.audit_events = 0;
  options.notifications = 0;
  options.ticket_age = absl::Hours(24 * 30);
  options.now = absl::Now() - absl::Hours(25);  // every ticket overdue
  options.all_open_unassigned = true;
  OrFail(GenerateDataset(options), "escalation dataset");
  Daemon daemon(data_dir, {"--escalate_after=24h"});
  const auto channel = daemon.Channels(1)[0];
  const std::string admin = Login(channel, "admina@example.com");
  auto stub = jobs_v1::JobService::NewStub(channel);
  grpc::ClientContext context;
  Authorize(context, admin);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(5)));
  jobs_v1::RunEscalationSweepResponse response;
  const absl::Time start = absl::Now();
  OrFail(stub->RunEscalationSweep(
             &context, jobs_v1::RunEscalationSweepRequest(), &response),
         "sweep");
  const absl::Duration took = absl::Now() - start;
  LoadFigures figures;
  figures.calls = response.escalated_count();
  figures.per_second = response.escalated_count() / absl::ToDoubleSeconds(took);
  report.Add(
      {"escalation sweep (RunEscalationSweep)",
       absl::StrCat(tickets, " overdue"), figures,
       absl::StrCat(response.escalated_count(), " escalated in ",
                    absl::FormatDuration(took)),
       "≤ 2 s",
       took <= absl::Seconds(2) && response.escalated_count() == tickets});
}

// ListTickets (admin, OPEN, page 50) at 32 concurrent on a dataset of
// `tickets`.
LoadFigures ListTicketsAt(const std::string& data_dir, int tickets,
                          const Settings& settings) {
  DatasetOptions options;
  options.data_dir = data_dir;
  options.users = 1000;
  options.tickets = tickets;
  options.audit_events = 0;
  options.notifications = 0;
  OrFail(GenerateDataset(options), "scaling dataset");
  Daemon daemon(data_dir, {});
  const auto channels = daemon.Channels(4);
  const std::string admin = Login(channels[0], "admina@example.com");
  tickets_v1::ListTicketsRequest request;
  request.set_status(tickets_v1::Ticket::OPEN);
  request.set_page_size(50);
  GrpcUnaryLoad call(channels, "/helpdesk.tickets.v1.TicketService/ListTickets",
                     {request.SerializeAsString()}, admin);
  return call.Run(32, settings.warmup, settings.duration);
}

std::string Machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model;
  while (std::getline(cpuinfo, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "model name")) {
      model = std::string(absl::StripAsciiWhitespace(
          absl::StripPrefix(absl::StripAsciiWhitespace(rest), ":")));
      break;
    }
  }
  return absl::StrCat(std::thread::hardware_concurrency(), " cores, ", model);
}

std::string Today() {
  return absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
}

void WriteReport(const std::string& path, const Report& report, bool quick,
                 absl::Duration took) {
  std::ofstream out(path);
  out << "# Benchmarks\n\n"
      << "Written by `tools/bench" << (quick ? " --quick" : "") << "` on "
      << Today() << " (the run took "
      << absl::FormatDuration(absl::Trunc(took, absl::Seconds(1)))
      << "). Machine: " << Machine()
      << ", Debian 12, g++ 12 `-c opt`; the load generator runs on the same "
         "cores as the server, so read the ratios, not the absolute "
         "figures. What limits each figure, profiles and before/after "
         "measurements: [performance.md](performance.md).\n\n"
      << "## Method\n\n"
      << "- A dataset is generated through the services' own stores into a "
         "fresh data directory; the real `helpdeskd` binary starts on it "
         "with `--rate_limits=false --seed_demo=false --sweep_interval=0`.\n"
      << "- gRPC rows: a closed loop of ours (`tools/perf/load.h`) keeps "
         "32 or 256 calls in flight over 4 connections through the generic "
         "stub (requests serialized once, replies not parsed), after a "
         "warm-up. The ceiling is grpc.health.v1 Health/Check on the same "
         "server in the same run; ratios are calls/s over the ceiling's.\n"
      << "- Gateway rows: Debian's `wrk` (2 threads, 32 or 256 keep-alive "
         "connections, `Authorization: Bearer`); the ratio is over the same "
         "call's gRPC row, and over `/healthz`.\n"
      << "- Callers: GetUnreadCount, GetTicket (own tickets) and CreateTicket "
         "as usera; ListTickets (status OPEN, page 50) and search (page 50, "
         "queries `printer` (~9 % of tickets), `vpn slow`, `term1500`, `wifi` "
         "in turn) as admina; ListAuditEvents (page 20) as admina.\n"
      << "- Jobs: status-change jobs queued in jobs.db while helpdeskd is "
         "down, then timed from process start until the last notification is "
         "stored. Latency: an admin's status change until the owner's watch "
         "stream delivers it, one at a time. Escalation: one "
         "RunEscalationSweep over a dataset where every ticket is overdue.\n"
      << "- Memory: VmRSS of helpdeskd one second after start-up (idle), and "
         "before/after opening the idle watch streams.\n\n"
      << "## Results\n\n";
  for (const std::string& note : report.notes()) out << note << "\n\n";
  out << report.Table() << "\n"
      << report.missed() << " targets missed in this run.\n";
}

}  // namespace
}  // namespace helpdesk::perf

int main(int argc, char** argv) {
  using namespace helpdesk::perf;  // NOLINT: a program's main
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_helpdeskd).empty()) Fail("--helpdeskd is required");
  const bool quick = absl::GetFlag(FLAGS_quick);
  Settings settings;
  settings.warmup =
      quick ? absl::Milliseconds(500) : absl::GetFlag(FLAGS_warmup);
  settings.duration = quick ? absl::Seconds(1) : absl::GetFlag(FLAGS_duration);
  for (const std::string& text : absl::GetFlag(FLAGS_concurrency)) {
    int value = 0;
    if (!absl::SimpleAtoi(text, &value) || value <= 0) Fail("--concurrency");
    settings.concurrency.push_back(value);
  }
  const std::string work = absl::GetFlag(FLAGS_work_dir);
  std::filesystem::remove_all(work);
  const absl::Time began = absl::Now();
  Report report;

  DatasetOptions main_options;
  main_options.data_dir = work + "/main";
  main_options.users = absl::GetFlag(FLAGS_users);
  main_options.tickets = absl::GetFlag(FLAGS_tickets);
  main_options.audit_events = absl::GetFlag(FLAGS_audit_events);
  if (quick) {
    main_options.tickets = std::min(main_options.tickets, 20'000);
    main_options.audit_events = std::min(main_options.audit_events, 100'000);
  }
  std::cout << "generating " << main_options.users << " users, "
            << main_options.tickets << " tickets, " << main_options.audit_events
            << " audit events ..." << std::endl;
  const DatasetSummary generated =
      OrFail(GenerateDataset(main_options), "main dataset");
  report.Note(absl::StrFormat(
      "Dataset: %d users (%s), %d tickets (%s), %d audit events (%s), "
      "generated through the stores.",
      main_options.users,
      absl::FormatDuration(
          absl::Trunc(generated.users_took, absl::Milliseconds(1))),
      main_options.tickets,
      absl::FormatDuration(
          absl::Trunc(generated.tickets_took, absl::Milliseconds(1))),
      main_options.audit_events,
      absl::FormatDuration(
          absl::Trunc(generated.audit_took, absl::Milliseconds(1)))));
  std::cout << "\n" << Report::Header() << std::endl;

  { Daemon first_start(main_options.data_dir, {}); }
  {
    Daemon daemon(main_options.data_dir, {});
    report.Add({"start-up to ready (existing data directory)",
                "",
                {},
                absl::StrCat(Ms(daemon.startup()), " ms"),
                "≤ 300 ms",
                daemon.startup() <= absl::Milliseconds(300)});
    absl::SleepFor(absl::Seconds(1));
    const int64_t idle = daemon.rss_kib();
    report.Add({"helpdeskd idle RSS",
                "",
                {},
                MiB(idle),
                "≤ 40 MiB",
                idle <= 40 * 1024});
    MeasureCalls(daemon, settings, report);
    MeasureAuditFilters(daemon, settings, report);
    MeasureNotificationLatency(
        daemon, quick ? 50 : absl::GetFlag(FLAGS_latency_samples), report);
    MeasureIdleWatchers(daemon, absl::GetFlag(FLAGS_watchers), report);
  }
  MeasureDrain(main_options.data_dir,
               quick ? 5'000 : absl::GetFlag(FLAGS_drain_jobs), report);
  MeasureEscalation(work + "/escalation",
                    quick ? 20'000 : absl::GetFlag(FLAGS_escalation_tickets),
                    report);
  {
    const int small = absl::GetFlag(FLAGS_small_tickets);
    const int large = quick ? 100'000 : absl::GetFlag(FLAGS_large_tickets);
    const LoadFigures at_small =
        ListTicketsAt(work + "/small", small, settings);
    const LoadFigures at_large =
        ListTicketsAt(work + "/large", large, settings);
    const double ratio = absl::FDivDuration(at_large.p50, at_small.p50);
    report.Add({absl::StrCat("ListTickets at ", small, " tickets"),
                "32",
                at_small,
                "",
                "",
                {}});
    report.Add({absl::StrCat("ListTickets at ", large, " tickets"), "32",
                at_large, absl::StrFormat("p50 %.2f × of %d", ratio, small),
                "≤ 1.5 ×", ratio <= 1.5});
  }
  std::filesystem::remove_all(work);

  const absl::Duration took = absl::Now() - began;
  std::cout << "\n"
            << report.Table() << "\n"
            << report.missed() << " targets missed; the run took "
            << absl::FormatDuration(absl::Trunc(took, absl::Seconds(1)))
            << " on " << Machine() << std::endl;
  if (const std::string path = absl::GetFlag(FLAGS_report); !path.empty()) {
    WriteReport(path, report, quick, took);
    std::cout << "wrote " << path << std::endl;
  }
  return 0;
}
