// helpdeskd: every Helpdesk service in one process (the embedded default).
#include <iostream>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/db/store.h"
#include "libs/log/log.h"
#include "libs/rpc/server_process.h"
#include "libs/rpc/shutdown_signal.h"
#include "services/helpdeskd/helpdeskd.h"

ABSL_FLAG(std::string, data_dir, "./data",
          "Directory holding one SQLite file per service; created if missing.");
ABSL_FLAG(std::string, database_url, "",
          "PostgreSQL database for every service (postgresql://...; one "
          "schema per service). Empty: SQLite files in --data_dir.");
ABSL_FLAG(std::string, database_password_file, "",
          "File whose first line is the PostgreSQL password (otherwise the "
          "URL's, PGPASSWORD's or ~/.pgpass's).");
ABSL_FLAG(int, grpc_port, 50051, "gRPC port for every service; 0 = pick one.");
ABSL_FLAG(int, http_port, 8080, "HTTP port of the JSON gateway; 0 = pick one.");
ABSL_FLAG(std::string, bind_address, "127.0.0.1",
          "Address the gRPC and HTTP ports listen on.");
ABSL_FLAG(bool, seed_demo, true,
          "Seed demo accounts and tickets on first start.");
ABSL_FLAG(absl::Duration, escalate_after, absl::Hours(24),
          "Open tickets older than this escalate.");
ABSL_FLAG(absl::Duration, sweep_interval, absl::Seconds(10),
          "How often the escalation sweep runs.");
ABSL_FLAG(bool, rate_limits, true,
          "Enforce rate limits; false turns every limiter off (benchmarks).");
ABSL_FLAG(absl::Duration, drain_delay, absl::Seconds(1),
          "On SIGINT/SIGTERM, how long health answers NOT_SERVING while "
          "every call is still served, before the servers stop taking new "
          "ones (probes and balancers move traffic away meanwhile).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGINT/SIGTERM, how long in-flight calls may take to finish.");

int main(int argc, char** argv) {
  helpdesk::rpc::ParseServerCommandLine(
      argc, argv,
      "Runs every Helpdesk service in one process.\n"
      "Usage: helpdeskd [--data_dir=./data] [--grpc_port=50051] ...");
  helpdesk::InitLogging("helpdeskd");
  // Before any thread starts, so every thread inherits the mask.
  helpdesk::rpc::PrepareServerProcess();

  helpdesk::HelpdeskdOptions options;
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.database_url = absl::GetFlag(FLAGS_database_url);
  absl::StatusOr<std::string> password = helpdesk::db::ReadPasswordFile(
      absl::GetFlag(FLAGS_database_password_file));
  if (!password.ok()) {
    std::cerr << "helpdeskd: " << password.status().message() << "\n";
    return 1;
  }
  options.database_password = *std::move(password);
  options.grpc_port = absl::GetFlag(FLAGS_grpc_port);
  options.http_port = absl::GetFlag(FLAGS_http_port);
  options.bind_address = absl::GetFlag(FLAGS_bind_address);
  options.seed_demo = absl::GetFlag(FLAGS_seed_demo);
  options.escalate_after = absl::GetFlag(FLAGS_escalate_after);
  options.sweep_interval = absl::GetFlag(FLAGS_sweep_interval);
  options.rate_limits = absl::GetFlag(FLAGS_rate_limits);

  auto daemon = helpdesk::Helpdeskd::Start(options);
  if (!daemon.ok()) {
    helpdesk::LogError("start_failed", {{"error", daemon.status().ToString()}});
    std::cerr << "helpdeskd: " << daemon.status().message() << "\n";
    return 1;
  }
  // Scripts wait for these lines: the ports are ready when they appear.
  std::cout << "grpc_port=" << (*daemon)->grpc_port() << "\n"
            << "http_port=" << (*daemon)->http_port() << std::endl;

  const int signal = helpdesk::rpc::WaitForShutdownSignal();
  helpdesk::LogInfo("shutting_down", {{"signal", absl::StrCat(signal)}});
  (*daemon)->StartDraining();
  absl::SleepFor(absl::GetFlag(FLAGS_drain_delay));
  (*daemon)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  return 0;
}
