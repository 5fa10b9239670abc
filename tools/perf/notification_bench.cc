// Benchmarks the notification service in-process over loopback gRPC (see
// docs/benchmarks.md): GetUnreadCount, the hottest call of the system, at
// several concurrencies against the health check as the machine's ceiling;
// then the memory and threads that 1000 idle WatchNotifications streams
// cost, and how long one notification takes to reach all of them.
//
// Deployed shape: auth on its own loopback port; notification resolves
// tokens through AuthClient behind a 2 s CachingTokenResolver, as
// notification_server does.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/auth/token_resolver.h"
#include "libs/clients/auth_client.h"
#include "libs/clock/clock.h"
#include "libs/log/log.h"
#include "libs/rpc/component.h"
#include "libs/rpc/server.h"
#include "services/auth/auth_component.h"
#include "services/notification/notification_component.h"
#include "tools/perf/bench_support.h"
#include "tools/perf/closed_loop.h"

ABSL_FLAG(std::string, data_dir, "/tmp/helpdesk-notification-bench",
          "Scratch directory (wiped first).");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "Measured time per row.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Unmeasured warm-up.");
ABSL_FLAG(std::vector<std::string>, concurrency,
          std::vector<std::string>({"32", "256"}), "Client threads per row.");
ABSL_FLAG(int, notifications_per_user, 100,
          "Notifications created for each demo user before measuring.");
ABSL_FLAG(int, watchers, 1000, "Idle WatchNotifications streams to open.");
ABSL_FLAG(int, watch_channels, 4, "Channels the streams are spread over.");

namespace {

using helpdesk::notifications::v1::NotificationService;
using helpdesk::notifications::v1::WatchNotificationsRequest;
using helpdesk::notifications::v1::WatchNotificationsResponse;

constexpr char kServiceToken[] = "bench-service-token-0123456789abcdef";
constexpr const char* kDemoUsers[] = {
    "usera@example.com", "userb@example.com",  "userc@example.com",
    "userd@example.com", "admina@example.com", "adminb@example.com",
};

// A value from /proc/self/status, e.g. "VmRSS" (kB) or "Threads".
int64_t ProcStatus(absl::string_view key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view view = line;
    if (!absl::ConsumePrefix(&view, key) || !absl::ConsumePrefix(&view, ":")) {
      continue;
    }
    view = absl::StripAsciiWhitespace(view);
    absl::ConsumeSuffix(&view, " kB");
    int64_t value = 0;
    if (absl::SimpleAtoi(view, &value)) return value;
  }
  return -1;
}

// Counts events across streams; waits for a target with a bound.
class Counter {
 public:
  void Add() {
    absl::MutexLock lock(&mu_);
    ++value_;
  }
  bool AwaitAtLeast(int64_t target, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto reached = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return value_ >= target;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }
  int64_t value() {
    absl::MutexLock lock(&mu_);
    return value_;
  }

 private:
  absl::Mutex mu_;
  int64_t value_ ABSL_GUARDED_BY(mu_) = 0;
};

// One idle WatchNotifications stream on the client callback API (no thread
// per stream on this side either).
class IdleWatch final
    : public grpc::ClientReadReactor<WatchNotificationsResponse> {
 public:
  IdleWatch(NotificationService::Stub* stub, const std::string& token,
            Counter* opened, Counter* delivered, Counter* done)
      : opened_(opened), delivered_(delivered), done_(done) {
    context_.AddMetadata("authorization", "Bearer " + token);
    stub->async()->WatchNotifications(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    if (event_.has_notification()) {
      delivered_->Add();
    } else if (!seen_opening_) {
      seen_opening_ = true;
      opened_->Add();
    }
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& /*status*/) override { done_->Add(); }
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  WatchNotificationsRequest request_;
  WatchNotificationsResponse event_;
  bool seen_opening_ = false;
  Counter* const opened_;
  Counter* const delivered_;
  Counter* const done_;
};

bool CreateNotification(NotificationService::Stub* stub, int64_t user_id,
                        int64_t job) {
  grpc::ClientContext context;
  context.AddMetadata(helpdesk::auth::kServiceTokenKey, kServiceToken);
  helpdesk::notifications::v1::CreateNotificationRequest request;
  auto* notification = request.mutable_notification();
  notification->set_user_id(user_id);
  notification->set_ticket_id(job);
  notification->set_subject("Ticket assigned to you");
  notification->set_message("An admin assigned a ticket to you.");
  notification->set_source_job_id(job);
  helpdesk::notifications::v1::Notification response;
  return stub->CreateNotification(&context, request, &response).ok();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  helpdesk::InitLogging("notification_bench", helpdesk::LogLevel::kWarning);
  const std::string dir = absl::GetFlag(FLAGS_data_dir);
  helpdesk::bench::FreshDirectory(dir);

  helpdesk::RealClock clock;
  auto auth = helpdesk::bench::BenchAuth(dir, kServiceToken, &clock);
  if (!auth.ok()) {
    std::cerr << auth.status() << "\n";
    return 1;
  }
  helpdesk::rpc::Component* auth_alone[] = {auth->get()};
  auto auth_server = helpdesk::bench::BenchServer(
      auth_alone, (*auth)->token_resolver(), kServiceToken);
  const std::string auth_target =
      absl::StrCat("127.0.0.1:", auth_server->port());

  helpdesk::clients::AuthClient auth_client(
      {grpc::CreateChannel(auth_target, grpc::InsecureChannelCredentials()),
       kServiceToken});
  helpdesk::auth::CachingTokenResolver resolver(
      &auth_client, &clock,
      helpdesk::auth::CachingTokenResolver::Options{absl::Seconds(2)});
  helpdesk::notification::NotificationComponentOptions options;
  options.storage.data_dir = dir;
  options.service_token = kServiceToken;
  // One user holds every idle watcher here.
  options.watch.max_watchers_per_user = 0;
  auto component = helpdesk::notification::NotificationComponent::Create(
      options, &clock, &resolver);
  if (!component.ok()) {
    std::cerr << component.status() << "\n";
    return 1;
  }
  helpdesk::rpc::Component* notification_alone[] = {component->get()};
  auto server = helpdesk::bench::BenchServer(notification_alone, &resolver,
                                             kServiceToken);
  const std::string target = absl::StrCat("127.0.0.1:", server->port());
  // Sessions of the demo users, each with a filled inbox.
  std::vector<std::string> tokens;
  auto setup = NotificationService::NewStub(
      helpdesk::bench::DistinctChannels(target, 1)[0]);
  const auto auth_channel =
      helpdesk::bench::DistinctChannels(auth_target, 1)[0];
  int64_t job = 0;
  for (const char* email : kDemoUsers) {
    const std::string token = helpdesk::bench::DemoLogin(auth_channel, email);
    // The user id behind the token, from the auth service.
    auto principal = auth_client.Resolve(token);
    if (token.empty() || !principal.ok()) {
      std::cerr << "login failed for " << email << "\n";
      return 1;
    }
    for (int i = 0; i < absl::GetFlag(FLAGS_notifications_per_user); ++i) {
      if (!CreateNotification(setup.get(), principal->user_id, ++job)) {
        std::cerr << "CreateNotification failed\n";
        return 1;
      }
    }
    tokens.push_back(token);
  }

  helpdesk::bench::PrintTableHeader();
  for (const std::string& text : absl::GetFlag(FLAGS_concurrency)) {
    const int threads = std::stoi(text);
    const auto channels = helpdesk::bench::DistinctChannels(target, threads);
    std::vector<std::unique_ptr<NotificationService::Stub>> stubs;
    for (const auto& channel : channels) {
      stubs.push_back(NotificationService::NewStub(channel));
    }
    const auto warmup = absl::GetFlag(FLAGS_warmup);
    const auto duration = absl::GetFlag(FLAGS_duration);
    const auto ceiling =
        helpdesk::bench::MeasureHealthCeiling(channels, warmup, duration);
    auto unread =
        helpdesk::bench::RunClosedLoop(threads, warmup, duration, [&](int t) {
          grpc::ClientContext context;
          context.AddMetadata("authorization",
                              "Bearer " + tokens[t % tokens.size()]);
          helpdesk::notifications::v1::GetUnreadCountResponse response;
          return stubs[t]
              ->GetUnreadCount(
                  &context,
                  helpdesk::notifications::v1::GetUnreadCountRequest(),
                  &response)
              .ok();
        });
    std::cout << helpdesk::bench::FormatRow("GetUnreadCount", threads, unread)
              << "\n";
    std::cout << absl::StrFormat(
        "ratio vs ceiling at %d threads: GetUnreadCount %.2f\n", threads,
        unread.calls_per_second / ceiling.calls_per_second);
  }

  // Idle watchers: all of one user, spread over a few channels.
  const int watchers = absl::GetFlag(FLAGS_watchers);
  std::vector<std::unique_ptr<NotificationService::Stub>> watch_stubs;
  for (const auto& channel : helpdesk::bench::DistinctChannels(
           target, absl::GetFlag(FLAGS_watch_channels))) {
    watch_stubs.push_back(NotificationService::NewStub(channel));
  }
  // Connect the channels first, so that their fixed cost is not counted.
  for (auto& stub : watch_stubs) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + tokens[0]);
    helpdesk::notifications::v1::GetUnreadCountResponse response;
    stub->GetUnreadCount(&context,
                         helpdesk::notifications::v1::GetUnreadCountRequest(),
                         &response);
  }
  const int64_t rss_before = ProcStatus("VmRSS");
  const int64_t threads_before = ProcStatus("Threads");
  Counter opened;
  Counter delivered;
  Counter done;
  std::vector<std::unique_ptr<IdleWatch>> streams;
  const absl::Time open_start = absl::Now();
  for (int w = 0; w < watchers; ++w) {
    streams.push_back(
        std::make_unique<IdleWatch>(watch_stubs[w % watch_stubs.size()].get(),
                                    tokens[0], &opened, &delivered, &done));
  }
  if (!opened.AwaitAtLeast(watchers, absl::Seconds(60))) {
    std::cerr << "only " << opened.value() << " streams opened\n";
    return 1;
  }
  const absl::Duration open_time = absl::Now() - open_start;
  const int64_t rss_after = ProcStatus("VmRSS");
  const int64_t threads_after = ProcStatus("Threads");

  auto principal = auth_client.Resolve(tokens[0]);
  const absl::Time fanout_start = absl::Now();
  if (!principal.ok() ||
      !CreateNotification(setup.get(), principal->user_id, ++job) ||
      !delivered.AwaitAtLeast(watchers, absl::Seconds(60))) {
    std::cerr << "fan-out failed\n";
    return 1;
  }
  const absl::Duration fanout = absl::Now() - fanout_start;

  std::cout << "\n| idle WatchNotifications streams | value |\n"
               "| --- | ---: |\n";
  std::cout << absl::StrFormat("| streams (one user, %d channels) | %d |\n",
                               absl::GetFlag(FLAGS_watch_channels), watchers);
  std::cout << absl::StrFormat("| time to open all | %.0f ms |\n",
                               absl::ToDoubleMilliseconds(open_time));
  std::cout << absl::StrFormat("| VmRSS before / after | %.1f / %.1f MiB |\n",
                               rss_before / 1024.0, rss_after / 1024.0);
  std::cout << absl::StrFormat(
      "| VmRSS increase (client + server ends) | %.1f MiB (%.1f KiB per "
      "stream) |\n",
      (rss_after - rss_before) / 1024.0,
      static_cast<double>(rss_after - rss_before) / watchers);
  std::cout << absl::StrFormat("| threads before / after | %d / %d |\n",
                               threads_before, threads_after);
  std::cout << absl::StrFormat(
      "| one notification reaching all streams | %.1f ms |\n",
      absl::ToDoubleMilliseconds(fanout));

  for (auto& stream : streams) stream->Cancel();
  done.AwaitAtLeast(watchers, absl::Seconds(60));
  (*component)->Stop();
  server->Shutdown(absl::Seconds(5));
  auth_server->Shutdown(absl::Seconds(5));
  return 0;
}
