// What operators and their tools see of every server binary: gRPC health
// by service name (Kubernetes' gRPC probes, Envoy), NOT_SERVING while a
// SIGTERM drains, reflection that can describe grpc.health.v1 and carries
// json_name, and `--help` listing the binary's own flags.
#include <signal.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/temp_dir.h"

namespace helpdesk {
namespace {

using ::grpc::health::v1::HealthCheckResponse;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::RunfilePath;
using ::helpdesk::testing::Subprocess;
using ::testing::Contains;

struct Binary {
  std::string path;  // in the runfiles
  std::vector<std::string> services;
};

const std::vector<Binary>& GrpcBinaries() {
  static const auto* binaries = new std::vector<Binary>{
      {"services/auth/auth_server", {"helpdesk.auth.v1.AuthService"}},
      {"services/audit/audit_server", {"helpdesk.audit.v1.AuditService"}},
      {"services/ticket/ticket_server", {"helpdesk.tickets.v1.TicketService"}},
      {"services/notification/notification_server",
       {"helpdesk.notifications.v1.NotificationService"}},
      {"services/jobs/jobs_server", {"helpdesk.jobs.v1.JobService"}},
      {"services/helpdeskd/helpdeskd",
       {"helpdesk.auth.v1.AuthService", "helpdesk.audit.v1.AuditService",
        "helpdesk.tickets.v1.TicketService",
        "helpdesk.notifications.v1.NotificationService",
        "helpdesk.jobs.v1.JobService"}},
  };
  return *binaries;
}

// A started binary and a channel to its gRPC port.
struct Running {
  std::unique_ptr<Subprocess> process;
  std::shared_ptr<grpc::Channel> channel;
};

Running StartBinary(const std::string& path, const testing::TempDir& dir) {
  // A short grace: the test's open health watch would hold a long one.
  std::vector<std::string> argv = {RunfilePath(path),
                                   "--data_dir=" + dir.File("data"),
                                   "--shutdown_grace=1s"};
  if (absl::EndsWith(path, "helpdeskd")) {
    argv.push_back("--grpc_port=0");
    argv.push_back("--http_port=0");
    argv.push_back("--seed_demo=false");
  } else {
    argv.push_back("--port=0");
  }
  auto process = Subprocess::Start(argv);
  EXPECT_THAT(process, IsOk());
  if (!process.ok()) return {};
  auto port = (*process)->WaitForLine("grpc_port=", absl::Seconds(60));
  EXPECT_THAT(port, IsOk()) << path;
  Running running;
  running.process = std::move(*process);
  running.channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", *port),
                                        grpc::InsecureChannelCredentials());
  return running;
}

grpc::Status Check(const std::shared_ptr<grpc::Channel>& channel,
                   const std::string& service, HealthCheckResponse* response) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  return stub->Check(&context, request, response);
}

grpc::reflection::v1alpha::ServerReflectionResponse Reflect(
    const std::shared_ptr<grpc::Channel>& channel,
    const grpc::reflection::v1alpha::ServerReflectionRequest& request) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  EXPECT_TRUE(stream->Write(request));
  EXPECT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Read(&response));
  EXPECT_TRUE(stream->Finish().ok());
  return response;
}

TEST(ProbesTest, HealthAnswersServingForEveryHostedServiceName) {
  for (const Binary& binary : GrpcBinaries()) {
    testing::TempDir dir;
    Running running = StartBinary(binary.path, dir);
    ASSERT_NE(running.channel, nullptr);
    std::vector<std::string> names = binary.services;
    names.push_back("");
    names.push_back("grpc.health.v1.Health");
    for (const std::string& name : names) {
      HealthCheckResponse response;
      grpc::Status status = Check(running.channel, name, &response);
      EXPECT_TRUE(status.ok())
          << binary.path << " '" << name << "': " << status.error_message();
      EXPECT_EQ(response.status(), HealthCheckResponse::SERVING)
          << binary.path << " '" << name << "'";
    }
    HealthCheckResponse response;
    EXPECT_EQ(Check(running.channel, "helpdesk.nope.v1.Nothing", &response)
                  .error_code(),
              grpc::StatusCode::NOT_FOUND)
        << binary.path;
  }
}

TEST(ProbesTest, ReflectionListsAndDescribesEveryService) {
  for (const Binary& binary : GrpcBinaries()) {
    testing::TempDir dir;
    Running running = StartBinary(binary.path, dir);
    ASSERT_NE(running.channel, nullptr);
    grpc::reflection::v1alpha::ServerReflectionRequest list;
    list.set_list_services("");
    std::set<std::string> listed;
    const auto services = Reflect(running.channel, list);
    for (const auto& service : services.list_services_response().service()) {
      listed.insert(service.name());
    }
    std::vector<std::string> wanted = binary.services;
    wanted.push_back("grpc.health.v1.Health");
    for (const std::string& name : wanted) {
      EXPECT_THAT(listed, Contains(name)) << binary.path;
      // grpcurl resolves every listed service before calling it.
      grpc::reflection::v1alpha::ServerReflectionRequest describe;
      describe.set_file_containing_symbol(name);
      auto answer = Reflect(running.channel, describe);
      EXPECT_GT(answer.file_descriptor_response().file_descriptor_proto_size(),
                0)
          << binary.path << " cannot describe " << name << ": "
          << answer.error_response().error_message();
      for (const std::string& bytes :
           answer.file_descriptor_response().file_descriptor_proto()) {
        google::protobuf::FileDescriptorProto file;
        ASSERT_TRUE(file.ParseFromString(bytes));
        for (const auto& message : file.message_type()) {
          for (const auto& field : message.field()) {
            EXPECT_TRUE(field.has_json_name())
                << file.name() << " " << message.name() << "." << field.name();
          }
        }
      }
    }
  }
}

TEST(ProbesTest, HealthTurnsNotServingWhenSigtermStartsTheDrain) {
  for (const std::string path :
       {"services/helpdeskd/helpdeskd", "services/auth/auth_server"}) {
    testing::TempDir dir;
    Running running = StartBinary(path, dir);
    ASSERT_NE(running.channel, nullptr);
    auto stub = grpc::health::v1::Health::NewStub(running.channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    grpc::health::v1::HealthCheckRequest request;
    auto watch = stub->Watch(&context, request);
    HealthCheckResponse response;
    ASSERT_TRUE(watch->Read(&response)) << path;
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);
    running.process->Signal(SIGTERM);
    bool saw_not_serving = false;
    while (watch->Read(&response)) {
      if (response.status() == HealthCheckResponse::NOT_SERVING) {
        saw_not_serving = true;
      }
    }
    EXPECT_TRUE(saw_not_serving) << path;
    EXPECT_THAT(running.process->Wait(absl::Seconds(30)), IsOk());
  }
}

TEST(ProbesTest, ChecksAnswerNotServingDuringTheDrainDelay) {
  for (const std::string path :
       {"services/helpdeskd/helpdeskd", "services/ticket/ticket_server"}) {
    testing::TempDir dir;
    std::vector<std::string> argv = {
        RunfilePath(path), "--data_dir=" + dir.File("data"),
        // Long enough that the checks below all fall inside it.
        "--drain_delay=60s"};
    if (absl::EndsWith(path, "helpdeskd")) {
      argv.insert(argv.end(),
                  {"--grpc_port=0", "--http_port=0", "--seed_demo=false"});
    } else {
      argv.push_back("--port=0");
    }
    auto process = Subprocess::Start(argv);
    ASSERT_THAT(process, IsOk());
    auto port = (*process)->WaitForLine("grpc_port=", absl::Seconds(60));
    ASSERT_THAT(port, IsOk());
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", *port),
                                       grpc::InsecureChannelCredentials());
    (*process)->Signal(SIGTERM);
    // Until the signal is handled the answer is SERVING; then NOT_SERVING,
    // to "" and to the service's name alike, while the port still answers.
    HealthCheckResponse response;
    grpc::Status status;
    for (int i = 0; i < 3000; ++i) {
      status = Check(channel, "", &response);
      if (!status.ok() ||
          response.status() == HealthCheckResponse::NOT_SERVING) {
        break;
      }
    }
    ASSERT_TRUE(status.ok()) << path << ": " << status.error_message();
    EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING) << path;
    ASSERT_TRUE(
        Check(channel, "helpdesk.tickets.v1.TicketService", &response).ok());
    EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING) << path;
    (*process)->Signal(SIGKILL);
  }
}

// Everything a command prints on stdout.
std::string Output(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, got);
  }
  pclose(pipe);
  return output;
}

// The flags `--helpfull` lists under files that are not Abseil's own.
std::set<std::string> ProgramFlags(const std::string& helpfull) {
  std::set<std::string> flags;
  bool ours = false;
  for (absl::string_view line : absl::StrSplit(helpfull, '\n')) {
    absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&trimmed, "Flags from ")) {
      ours = !absl::StrContains(trimmed, "absl/");
      continue;
    }
    if (ours && absl::ConsumePrefix(&trimmed, "--")) {
      flags.insert(std::string(trimmed.substr(0, trimmed.find(' '))));
    }
  }
  return flags;
}

TEST(ProbesTest, HelpListsEveryFlagOfTheBinary) {
  std::vector<std::string> paths = {"gateway/gateway"};
  for (const Binary& binary : GrpcBinaries()) paths.push_back(binary.path);
  for (const std::string& path : paths) {
    const std::string binary = RunfilePath(path);
    const std::set<std::string> flags =
        ProgramFlags(Output(binary + " --helpfull 2>/dev/null"));
    // Every binary has a port and a shutdown grace.
    EXPECT_GE(flags.size(), 3u) << path;
    EXPECT_THAT(flags, Contains("shutdown_grace")) << path;
    const std::string help = Output(binary + " --help 2>/dev/null");
    for (const std::string& flag : flags) {
      EXPECT_TRUE(absl::StrContains(help, absl::StrCat("--", flag, " ")))
          << path << " --help does not list --" << flag;
    }
  }
}

}  // namespace
}  // namespace helpdesk
