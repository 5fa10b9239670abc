// The README's "Calling it with grpcurl" and "Calling it with curl" command
// lines, taken from README.md itself and run as written against a real
// helpdeskd with demo data: bash -euo pipefail per code block, the ports
// swapped for the test server's, streams cut after two seconds, and
// //tests/readme:grpcurl_compat first on the PATH as `grpcurl`. Checks each
// line's exit status, every curl HTTP status (2xx) and the key outputs;
// then what the grpcurl-compatible client itself must do like grpcurl.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/subprocess.h"
#include "libs/testing/temp_dir.h"
#include "tests/readme/readme_script.h"

namespace helpdesk::readme {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::RunfilePath;
using ::helpdesk::testing::Subprocess;
using ::helpdesk::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int kGrpcurlDeadlineExceeded = 64 + 4;
constexpr int kCurlTimedOut = 28;

// A key output of the README: the line that contains `line_has` must exist
// and print every string of `out_has`. (Every line must also succeed, and a
// "NAME=..." line must leave NAME neither empty nor "null".)
struct Expectation {
  std::string line_has;
  std::vector<std::string> out_has;
};

std::string Describe(const CommandResult& result,
                     absl::string_view what = "README line") {
  return absl::StrCat(what, ": ", result.line,
                      "\nexit status: ", result.exit_status, "\nstdout:\n",
                      result.out, "\nstderr:\n", result.err,
                      result.variable.has_value()
                          ? absl::StrCat("\nvariable: ", *result.variable)
                          : "");
}

// One helpdeskd for every test, started as `tools/run` starts it (demo
// data, rate limits on), on free ports.
class ReadmeCommandsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::filesystem::create_directories(dir_->path() / "bin");
    std::filesystem::create_directories(dir_->path() / "work");
    std::filesystem::create_symlink(
        std::filesystem::absolute(RunfilePath("tests/readme/grpcurl_compat")),
        dir_->path() / "bin" / "grpcurl");
    auto process = Subprocess::Start(
        {RunfilePath("services/helpdeskd/helpdeskd"),
         "--data_dir=" + dir_->File("data"), "--grpc_port=0", "--http_port=0"});
    ASSERT_THAT(process, IsOk());
    helpdeskd_ = process->release();
    auto grpc_port = helpdeskd_->WaitForLine("grpc_port=", absl::Seconds(60));
    ASSERT_THAT(grpc_port, IsOk());
    auto http_port = helpdeskd_->WaitForLine("http_port=", absl::Seconds(60));
    ASSERT_THAT(http_port, IsOk());
    grpc_port_ = new std::string(*grpc_port);
    http_port_ = new std::string(*http_port);
  }

  void SetUp() override {
    ASSERT_NE(grpc_port_, nullptr) << "helpdeskd did not start";
  }

  static void TearDownTestSuite() {
    delete helpdeskd_;
    delete grpc_port_;
    delete http_port_;
    delete dir_;
  }

  static std::string ReadmeText() {
    std::ifstream file(RunfilePath("README.md"));
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }

  // A README line made ready to run against the test server.
  static Command Prepare(const std::string& line) {
    Command command{
        .line = line,
        .run = absl::StrReplaceAll(
            line, {{"localhost:50051", "localhost:" + *grpc_port_},
                   {"localhost:8080", "localhost:" + *http_port_}})};
    if (absl::StrContains(line, "/WatchNotifications")) {
      command.run = WithOption(command.run, "grpcurl", "-max-time 2");
      command.ok_exit_statuses = {0, kGrpcurlDeadlineExceeded};
    }
    if (absl::StrContains(line, "/v1/notifications:watch")) {
      command.run = WithOption(command.run, "curl", "--max-time 2");
      command.ok_exit_statuses = {0, kCurlTimedOut};
    }
    command.run = WithCurlHttpCodes(command.run);
    return command;
  }

  static ShellEnvironment Environment() {
    return {.work_dir = (dir_->path() / "work").string(),
            .path_prefix = (dir_->path() / "bin").string()};
  }

  // Runs the blocks of the README section `heading` in order and checks
  // each line: its exit status, its curl HTTP statuses, and the
  // `expectations` that name it. A block stops at its first failing line
  // (bash -e); the lines after it count as one failure.
  static void RunSection(const std::string& heading,
                         const std::vector<Expectation>& expectations) {
    absl::StatusOr<std::vector<std::string>> blocks =
        ShellBlocks(ReadmeText(), heading);
    ASSERT_THAT(blocks, IsOk());
    std::vector<bool> used(expectations.size(), false);
    for (const std::string& block : *blocks) {
      std::vector<Command> commands;
      for (const std::string& line : CommandLines(block)) {
        commands.push_back(Prepare(line));
      }
      absl::StatusOr<std::vector<CommandResult>> results =
          RunCommands(commands, Environment());
      ASSERT_THAT(results, IsOk());
      std::vector<std::string> not_run;
      for (size_t i = 0; i < results->size(); ++i) {
        const CommandResult& result = (*results)[i];
        for (size_t e = 0; e < expectations.size(); ++e) {
          if (absl::StrContains(result.line, expectations[e].line_has)) {
            used[e] = true;
          }
        }
        if (!result.ran) {
          not_run.push_back(result.line);
          continue;
        }
        CheckLine(commands[i], result, expectations);
      }
      EXPECT_TRUE(not_run.empty())
          << not_run.size() << " later line(s) of the block did not run:\n"
          << absl::StrJoin(not_run, "\n");
    }
    for (size_t e = 0; e < expectations.size(); ++e) {
      EXPECT_TRUE(used[e]) << "no line of \"## " << heading << "\" contains "
                           << expectations[e].line_has;
    }
  }

  static void CheckLine(const Command& command, const CommandResult& result,
                        const std::vector<Expectation>& expectations) {
    if (!absl::c_linear_search(command.ok_exit_statuses, result.exit_status)) {
      ADD_FAILURE() << "exit status " << result.exit_status << "\n"
                    << Describe(result);
      return;
    }
    if (WithCurlHttpCodes(result.line) != result.line) {  // calls curl
      EXPECT_FALSE(result.http_codes.empty()) << Describe(result);
    }
    for (int code : result.http_codes) {
      EXPECT_TRUE(code >= 200 && code < 300) << "HTTP status " << code << "\n"
                                             << Describe(result);
    }
    if (result.variable.has_value()) {
      EXPECT_TRUE(!result.variable->empty() && *result.variable != "null")
          << "the variable this line sets is \"" << *result.variable << "\"\n"
          << Describe(result);
    }
    for (const Expectation& expectation : expectations) {
      if (!absl::StrContains(result.line, expectation.line_has)) continue;
      for (const std::string& text : expectation.out_has) {
        EXPECT_TRUE(absl::StrContains(result.out, text))
            << "no " << text << " in its output\n"
            << Describe(result);
      }
    }
  }

  // One command line outside the README (the client's own behaviour); any
  // exit status.
  static CommandResult RunLine(const std::string& line) {
    Command command = Prepare(line);
    command.ok_exit_statuses.clear();
    absl::StatusOr<std::vector<CommandResult>> results =
        RunCommands({command}, Environment());
    EXPECT_THAT(results, IsOk());
    return results.ok() && !results->empty() ? results->front()
                                             : CommandResult{};
  }

 private:
  static inline TempDir* dir_ = nullptr;
  static inline Subprocess* helpdeskd_ = nullptr;
  static inline std::string* grpc_port_ = nullptr;
  static inline std::string* http_port_ = nullptr;
};

TEST_F(ReadmeCommandsTest, GrpcurlSectionRunsAsWritten) {
  RunSection(
      "Calling it with grpcurl",
      {
          {"localhost:50051 list",
           {"grpc.health.v1.Health\n",
            "grpc.reflection.v1alpha.ServerReflection\n",
            "helpdesk.auth.v1.AuthService\n",
            "helpdesk.tickets.v1.TicketService\n"}},
          {"TOKEN=$(grpcurl", {}},
          {"/CreateTicket",
           {"\"title\": \"Printer jams\"", "\"requesterId\": \"3\""}},
          {"/ListTickets", {"\"tickets\": [", "\"totalSize\": "}},
          {"/GetUnreadCount", {"\"count\": \""}},
          {"/WatchNotifications", {"\"heartbeat\": {", "\"unreadCount\": "}},
          {"/AssignTicket",
           {"\"assigneeId\": \"2\"", "\"assigneeName\": \"Admin B\""}},
          {"/GetTicket", {"\"id\": \"3\"", "\"ticket.assigned\""}},
          {"/ListAuditEvents", {"\"action\": \"ticket.assigned\""}},
          {"/VerifyAuditChain", {"\"ok\": true"}},
          {"/ListJobs", {"\"jobs\": ["}},
          {"/RunEscalationSweep", {"\"escalatedCount\": "}},
      });
}

TEST_F(ReadmeCommandsTest, CurlSectionRunsAsWritten) {
  RunSection("Calling it with curl",
             {
                 {"-c jar", {"\"email\":\"usera@example.com\""}},
                 {"/v1/auth/me", {"\"email\":\"usera@example.com\""}},
                 {"ID=$(curl", {}},
                 {"-X PATCH", {"\"title\":\"Printer jams badly\""}},
                 {"query=print", {"Printer jams"}},
                 {"unreadCount", {"\"count\":"}},
                 {"notifications:watch", {"data: {"}},
                 {"-c admin", {"\"email\":\"admina@example.com\""}},
                 {"3:assign", {"\"assigneeId\":\"2\""}},
                 {"view=TICKET_VIEW_FULL", {"\"id\":\"3\""}},
                 {"auditEvents", {"ticket.assigned"}},
                 {"jobs?state=DEAD", {"{"}},
                 {"runEscalationSweep", {"{"}},
             });
}

// What the README promises about grpcurl's JSON, through the same client:
// lowerCamelCase keys out (the served descriptors carry json_name), both
// spellings in.
TEST_F(ReadmeCommandsTest, GrpcurlPrintsLowerCamelCaseAndTakesBoth) {
  const CommandResult login = RunLine(
      "grpcurl -plaintext -d "
      "'{\"email\":\"userb@example.com\",\"password\":\"demo123\"}' "
      "localhost:50051 helpdesk.auth.v1.AuthService/Login");
  EXPECT_EQ(login.exit_status, 0) << Describe(login, "command");
  for (const char* key : {"\"sessionToken\": \"", "\"createTime\": \""}) {
    EXPECT_TRUE(absl::StrContains(login.out, key))
        << "no " << key << " in its output\n"
        << Describe(login, "command");
  }

  for (const char* field : {"pageSize", "page_size"}) {
    const CommandResult list =
        RunLine(absl::StrCat("grpcurl -plaintext -d '{\"", field,
                             "\":1}' localhost:50051 "
                             "helpdesk.tickets.v1.TicketService/ListTickets"));
    // Parsed, sent, refused for want of a token: the field name was fine.
    EXPECT_EQ(list.exit_status, 64 + 16) << Describe(list, "command");
  }
}

TEST_F(ReadmeCommandsTest, GrpcurlListsMethods) {
  const CommandResult list = RunLine(
      "grpcurl -plaintext localhost:50051 list "
      "helpdesk.notifications.v1.NotificationService");
  EXPECT_EQ(list.exit_status, 0) << Describe(list, "command");
  EXPECT_THAT(list.out,
              HasSubstr("helpdesk.notifications.v1.NotificationService."
                        "GetUnreadCount\n"))
      << Describe(list, "command");
}

// grpcurl's error conventions: "ERROR:" with the code's name and message on
// stderr and exit status 64 + code; details one per line; exit status 1 for
// a failure before the call, 2 for a usage error.
TEST_F(ReadmeCommandsTest, GrpcurlReportsErrorsAsGrpcurlDoes) {
  const CommandResult unauthenticated = RunLine(
      "grpcurl -plaintext -H 'authorization: Bearer nope' localhost:50051 "
      "helpdesk.notifications.v1.NotificationService/GetUnreadCount");
  EXPECT_EQ(unauthenticated.exit_status, 64 + 16)
      << Describe(unauthenticated, "command");
  EXPECT_THAT(unauthenticated.err,
              StartsWith("ERROR:\n  Code: Unauthenticated\n  Message: "))
      << Describe(unauthenticated, "command");
  EXPECT_EQ(unauthenticated.out, "") << Describe(unauthenticated, "command");

  const CommandResult invalid = RunLine(
      "grpcurl -plaintext -d '{\"email\":\"not an address\",\"name\":\"N\","
      "\"password\":\"x\"}' localhost:50051 "
      "helpdesk.auth.v1.AuthService/Register");
  EXPECT_EQ(invalid.exit_status, 64 + 3) << Describe(invalid, "command");
  EXPECT_THAT(invalid.err, StartsWith("ERROR:\n  Code: InvalidArgument\n"))
      << Describe(invalid, "command");
  EXPECT_THAT(invalid.err,
              HasSubstr("  Details:\n  1)\t{\"@type\":\"type.googleapis.com/"
                        "google.rpc.BadRequest\""))
      << Describe(invalid, "command");

  const CommandResult unknown = RunLine(
      "grpcurl -plaintext localhost:50051 helpdesk.nope.v1.NopeService/Call");
  EXPECT_EQ(unknown.exit_status, 1) << Describe(unknown, "command");
  EXPECT_EQ(unknown.err,
            "Error invoking method \"helpdesk.nope.v1.NopeService/Call\": "
            "target server does not expose service "
            "\"helpdesk.nope.v1.NopeService\"")
      << Describe(unknown, "command");

  const CommandResult usage = RunLine("grpcurl -plaintext localhost:50051");
  EXPECT_EQ(usage.exit_status, 2) << Describe(usage, "command");
  EXPECT_THAT(usage.err, StartsWith("Too few arguments."))
      << Describe(usage, "command");
}

}  // namespace
}  // namespace helpdesk::readme
