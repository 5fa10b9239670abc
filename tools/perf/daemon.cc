#include "tools/perf/daemon.h"

#include <csignal>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "libs/db/sql.h"
#include "libs/db/store.h"
#include "services/auth/migrations.h"
#include "services/ticket/migrations.h"
#include "tools/perf/dataset.h"
#include "tools/perf/or_exit.h"

namespace helpdesk::perf {

namespace auth_v1 = ::helpdesk::auth::v1;

Daemon::Daemon(const std::string& helpdeskd, const db::Storage& storage,
               std::vector<std::string> extra_flags)
    : storage_(storage) {
  std::vector<std::string> argv = {helpdeskd,
                                   "--data_dir=" + storage.data_dir,
                                   "--grpc_port=0",
                                   "--http_port=0",
                                   "--rate_limits=false",
                                   "--seed_demo=false",
                                   "--sweep_interval=0"};
  if (!storage.database_url.empty()) {
    argv.push_back("--database_url=" + storage.database_url);
  }
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

Daemon::~Daemon() {
  process_->Signal(SIGTERM);
  (void)process_->Wait(absl::Seconds(30));
}

int64_t Daemon::rss_kib() const { return RssKiB(process_->pid()); }

std::vector<std::shared_ptr<grpc::Channel>> Daemon::Channels(int count) const {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments arguments;
    arguments.SetInt("bench.channel", i);  // defeats subchannel sharing
    channels.push_back(grpc::CreateCustomChannel(
        target_, grpc::InsecureChannelCredentials(), arguments));
  }
  return channels;
}

absl::Duration Daemon::WaitUntilOutboxesDrain() const {
  const absl::Time start = absl::Now();
  db::StoreOptions tickets;
  tickets.location = storage_.For("tickets", 1);
  tickets.migrations = ticket::TicketMigrations();
  tickets.postgres_migrations = ticket::TicketPostgresMigrations();
  db::StoreOptions auth;
  auth.location = storage_.For("auth", 1);
  auth.migrations = auth::AuthMigrations();
  auth.postgres_migrations = auth::AuthPostgresMigrations();
  for (const db::StoreOptions& options : {tickets, auth}) {
    // The same migrations helpdeskd applied: nothing to do.
    std::unique_ptr<db::Store> store =
        OrFail(db::Store::Open(options), "open the outbox");
    while (absl::Now() - start < absl::Minutes(5)) {
      int64_t rows = -1;
      OrFail(store->Read([&](db::Connection& db) -> absl::Status {
        absl::StatusOr<db::Rows> count =
            db.Query("SELECT COUNT(*) FROM outbox");
        if (!count.ok()) return count.status();
        rows = count->Int64(0, 0);
        return absl::OkStatus();
      }),
             "count the outbox");
      if (rows == 0) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  return absl::Now() - start;
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

}  // namespace helpdesk::perf
