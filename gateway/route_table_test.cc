#include "gateway/route_table.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/helpdesk_protos.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::gateway {
namespace {

using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FileDescriptorProto;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Outcome = RouteLookup::Outcome;

// Every HTTP route of the contract (the google.api.http annotations in
// protos/), with a concrete request path and the variables it binds.
struct ContractRoute {
  const char* verb;
  const char* path_template;
  const char* rpc;
  const char* example;
  std::vector<std::pair<std::string, std::string>> bindings;
};

const std::vector<ContractRoute>& ContractRoutes() {
  static const auto* routes = new std::vector<ContractRoute>{
      {"POST",
       "/v1/auth/register",
       "helpdesk.auth.v1.AuthService.Register",
       "/v1/auth/register",
       {}},
      {"POST",
       "/v1/auth/login",
       "helpdesk.auth.v1.AuthService.Login",
       "/v1/auth/login",
       {}},
      {"POST",
       "/v1/auth/logout",
       "helpdesk.auth.v1.AuthService.Logout",
       "/v1/auth/logout",
       {}},
      {"GET",
       "/v1/auth/me",
       "helpdesk.auth.v1.AuthService.GetCurrentUser",
       "/v1/auth/me",
       {}},
      {"GET",
       "/v1/users",
       "helpdesk.auth.v1.AuthService.ListUsers",
       "/v1/users",
       {}},
      {"POST",
       "/v1/tickets",
       "helpdesk.tickets.v1.TicketService.CreateTicket",
       "/v1/tickets",
       {}},
      {"GET",
       "/v1/tickets/{id}",
       "helpdesk.tickets.v1.TicketService.GetTicket",
       "/v1/tickets/7",
       {{"id", "7"}}},
      {"GET",
       "/v1/tickets",
       "helpdesk.tickets.v1.TicketService.ListTickets",
       "/v1/tickets",
       {}},
      {"PATCH",
       "/v1/tickets/{ticket.id}",
       "helpdesk.tickets.v1.TicketService.UpdateTicket",
       "/v1/tickets/7",
       {{"ticket.id", "7"}}},
      {"POST",
       "/v1/tickets/{id}:assign",
       "helpdesk.tickets.v1.TicketService.AssignTicket",
       "/v1/tickets/7:assign",
       {{"id", "7"}}},
      {"POST",
       "/v1/tickets/{ticket_id}/comments",
       "helpdesk.tickets.v1.TicketService.CreateComment",
       "/v1/tickets/7/comments",
       {{"ticket_id", "7"}}},
      {"GET",
       "/v1/tickets/{ticket_id}/comments",
       "helpdesk.tickets.v1.TicketService.ListComments",
       "/v1/tickets/7/comments",
       {{"ticket_id", "7"}}},
      {"POST",
       "/v1/tickets/{ticket_id}/notes",
       "helpdesk.tickets.v1.TicketService.CreateNote",
       "/v1/tickets/7/notes",
       {{"ticket_id", "7"}}},
      {"GET",
       "/v1/tickets/{ticket_id}/notes",
       "helpdesk.tickets.v1.TicketService.ListNotes",
       "/v1/tickets/7/notes",
       {{"ticket_id", "7"}}},
      {"GET",
       "/v1/auditEvents",
       "helpdesk.audit.v1.AuditService.ListAuditEvents",
       "/v1/auditEvents",
       {}},
      {"GET",
       "/v1/auditEvents:verifyChain",
       "helpdesk.audit.v1.AuditService.VerifyAuditChain",
       "/v1/auditEvents:verifyChain",
       {}},
      {"GET",
       "/v1/notifications",
       "helpdesk.notifications.v1.NotificationService.ListNotifications",
       "/v1/notifications",
       {}},
      {"GET",
       "/v1/notifications:unreadCount",
       "helpdesk.notifications.v1.NotificationService.GetUnreadCount",
       "/v1/notifications:unreadCount",
       {}},
      {"POST",
       "/v1/notifications/{id}:markRead",
       "helpdesk.notifications.v1.NotificationService.MarkNotificationRead",
       "/v1/notifications/9:markRead",
       {{"id", "9"}}},
      {"POST",
       "/v1/notifications/{id}:markUnread",
       "helpdesk.notifications.v1.NotificationService.MarkNotificationUnread",
       "/v1/notifications/9:markUnread",
       {{"id", "9"}}},
      {"POST",
       "/v1/notifications:markAllRead",
       "helpdesk.notifications.v1.NotificationService.MarkAllNotificationsRead",
       "/v1/notifications:markAllRead",
       {}},
      {"GET",
       "/v1/notifications:watch",
       "helpdesk.notifications.v1.NotificationService.WatchNotifications",
       "/v1/notifications:watch",
       {}},
      {"GET",
       "/v1/jobs/{id}",
       "helpdesk.jobs.v1.JobService.GetJob",
       "/v1/jobs/11",
       {{"id", "11"}}},
      {"GET",
       "/v1/jobs",
       "helpdesk.jobs.v1.JobService.ListJobs",
       "/v1/jobs",
       {}},
      {"POST",
       "/v1/jobs/{id}:retry",
       "helpdesk.jobs.v1.JobService.RetryJob",
       "/v1/jobs/11:retry",
       {{"id", "11"}}},
      {"POST",
       "/v1/jobs:runEscalationSweep",
       "helpdesk.jobs.v1.JobService.RunEscalationSweep",
       "/v1/jobs:runEscalationSweep",
       {}},
  };
  return *routes;
}

std::unique_ptr<RouteTable> ContractTable(const DescriptorPool& pool) {
  auto table = RouteTable::Build(pool, HelpdeskServices());
  EXPECT_THAT(table, IsOk());
  return table.ok() ? *std::move(table) : nullptr;
}

std::vector<std::pair<std::string, std::string>> Bindings(
    const RouteLookup& lookup) {
  std::vector<std::pair<std::string, std::string>> bindings;
  for (const PathBinding& binding : lookup.bindings) {
    bindings.emplace_back(FieldPathName(*binding.field), binding.value);
  }
  return bindings;
}

void ExpectContractRoutes(const RouteTable& table) {
  std::set<std::string> expected;
  for (const ContractRoute& route : ContractRoutes()) {
    expected.insert(
        absl::StrCat(route.verb, " ", route.path_template, " ", route.rpc));
  }
  std::set<std::string> actual;
  for (const Route& route : table.routes()) {
    actual.insert(absl::StrCat(route.http_method, " ", route.path_template, " ",
                               route.method->full_name()));
  }
  EXPECT_EQ(actual, expected);

  for (const ContractRoute& route : ContractRoutes()) {
    SCOPED_TRACE(absl::StrCat(route.verb, " ", route.example));
    RouteLookup lookup = table.Match(route.verb, route.example);
    ASSERT_EQ(lookup.outcome, Outcome::kMatched);
    EXPECT_EQ(lookup.route->method->full_name(), route.rpc);
    EXPECT_EQ(lookup.route->path_template, route.path_template);
    EXPECT_EQ(Bindings(lookup), route.bindings);
  }
}

TEST(RouteTableTest, EveryContractRouteMatchesItsRpc) {
  auto table = ContractTable(*HelpdeskGeneratedPool());
  ASSERT_NE(table, nullptr);
  ExpectContractRoutes(*table);
}

TEST(RouteTableTest, DescriptorSetFileGivesTheSameRoutes) {
  const std::string path =
      absl::StrCat(std::getenv("TEST_SRCDIR"),
                   "/helpdesk/protos/helpdesk_descriptor_set.pb");
  std::ifstream in(path, std::ios::binary);
  google::protobuf::FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromIstream(&in)) << path;
  DescriptorPool pool;
  for (const auto& file : set.file()) ASSERT_NE(pool.BuildFile(file), nullptr);
  auto table = ContractTable(pool);
  ASSERT_NE(table, nullptr);
  ExpectContractRoutes(*table);
}

TEST(RouteTableTest, InternalRpcsHaveNoRoute) {
  auto table = ContractTable(*HelpdeskGeneratedPool());
  for (const Route& route : table->routes()) {
    EXPECT_NE(route.method->name(), "Authenticate");
    EXPECT_NE(route.method->name(), "BatchGetUsers");
    EXPECT_NE(route.method->name(), "RecordAuditEvent");
    EXPECT_NE(route.method->name(), "CreateNotification");
    EXPECT_NE(route.method->name(), "EnqueueJob");
    EXPECT_NE(route.method->name(), "EscalateOverdue");
  }
}

TEST(RouteTableTest, BodyRulesComeFromTheAnnotation) {
  auto table = ContractTable(*HelpdeskGeneratedPool());
  const Route* create = table->Match("POST", "/v1/tickets").route;
  ASSERT_NE(create, nullptr);
  EXPECT_EQ(create->body, "ticket");
  EXPECT_EQ(create->body_field->name(), "ticket");
  const Route* login = table->Match("POST", "/v1/auth/login").route;
  EXPECT_EQ(login->body, "*");
  EXPECT_EQ(login->body_field, nullptr);
  const Route* me = table->Match("GET", "/v1/auth/me").route;
  EXPECT_EQ(me->body, "");
  EXPECT_EQ(me->grpc_path, "/helpdesk.auth.v1.AuthService/GetCurrentUser");
}

TEST(RouteTableTest, UnknownPathsAreNotFound) {
  auto table = ContractTable(*HelpdeskGeneratedPool());
  for (const char* path :
       {"/v1/unknown", "/v1", "/", "/v1/tickets/7/extra", "/v1/tickets/",
        "/v2/tickets", "/v1/notifications:nothing", "v1/tickets", ""}) {
    SCOPED_TRACE(path);
    EXPECT_EQ(table->Match("GET", path).outcome, Outcome::kNotFound);
  }
}

TEST(RouteTableTest, KnownPathWithAnotherMethodIsNotAllowed) {
  auto table = ContractTable(*HelpdeskGeneratedPool());
  RouteLookup lookup = table->Match("DELETE", "/v1/tickets/7");
  EXPECT_EQ(lookup.outcome, Outcome::kMethodNotAllowed);
  EXPECT_THAT(lookup.allowed_methods, ElementsAre("GET", "PATCH"));
  lookup = table->Match("GET", "/v1/tickets/7:assign");
  EXPECT_EQ(lookup.outcome, Outcome::kMethodNotAllowed);
  EXPECT_THAT(lookup.allowed_methods, ElementsAre("POST"));
  lookup = table->Match("PUT", "/v1/tickets");
  EXPECT_THAT(lookup.allowed_methods, ElementsAre("GET", "POST"));
  lookup = table->Match("GET", "/v1/auth/login");
  EXPECT_THAT(lookup.allowed_methods, ElementsAre("POST"));
}

TEST(RouteTableTest, CustomVerbsAreTellApartFromCollections) {
  auto table = ContractTable(*HelpdeskGeneratedPool());
  EXPECT_EQ(table->Match("GET", "/v1/notifications:unreadCount")
                .route->method->name(),
            "GetUnreadCount");
  EXPECT_EQ(table->Match("GET", "/v1/notifications").route->method->name(),
            "ListNotifications");
  EXPECT_EQ(table->Match("POST", "/v1/notifications/5:markRead")
                .route->method->name(),
            "MarkNotificationRead");
  EXPECT_EQ(table->Match("POST", "/v1/notifications:markAllRead")
                .route->method->name(),
            "MarkAllNotificationsRead");
  // Not a verb any route has: the ':' is part of the value.
  RouteLookup lookup = table->Match("GET", "/v1/tickets/a:b");
  ASSERT_EQ(lookup.outcome, Outcome::kMatched);
  EXPECT_EQ(lookup.route->method->name(), "GetTicket");
  EXPECT_EQ(lookup.bindings[0].value, "a:b");
}

TEST(RouteTableTest, BoundValuesArePercentDecoded) {
  auto table = ContractTable(*HelpdeskGeneratedPool());
  RouteLookup lookup = table->Match("GET", "/v1/tickets/%37%2F1");
  ASSERT_EQ(lookup.outcome, Outcome::kMatched);
  EXPECT_EQ(lookup.bindings[0].value, "7/1");
  EXPECT_EQ(table->Match("GET", "/v1/tickets/%zz").outcome,
            Outcome::kMalformedPath);
}

// A pool with google/api annotations and one test file built from `text`
// (a FileDescriptorProto in text format, package "test", message test.Req).
absl::StatusOr<std::unique_ptr<RouteTable>> BuildSynthetic(
    const std::string& services, DescriptorPool* pool) {
  for (const auto* file :
       {google::protobuf::FileDescriptorProto::descriptor()->file(),
        google::api::HttpRule::descriptor()->file(),
        google::api::HttpRule::descriptor()->file()->pool()->FindFileByName(
            "google/api/annotations.proto")}) {
    FileDescriptorProto proto;
    file->CopyTo(&proto);
    EXPECT_NE(pool->BuildFile(proto), nullptr) << file->name();
  }
  FileDescriptorProto proto;
  const std::string text = absl::StrCat(
      R"pb(
        name: "test/test.proto"
        package: "test"
        dependency: "google/api/annotations.proto"
        message_type {
          name: "Req"
          field { name: "id" number: 1 type: TYPE_INT64 label: LABEL_OPTIONAL }
          field {
            name: "name"
            number: 2
            type: TYPE_STRING
            label: LABEL_OPTIONAL
          }
          field {
            name: "tags"
            number: 3
            type: TYPE_STRING
            label: LABEL_REPEATED
          }
        }
      )pb",
      services);
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &proto))
      << text;
  EXPECT_NE(pool->BuildFile(proto), nullptr);
  std::vector<std::string> names;
  for (int i = 0; i < proto.service_size(); ++i) {
    names.push_back("test." + proto.service(i).name());
  }
  return RouteTable::Build(*pool, names);
}

std::string Method(const std::string& name, const std::string& rule) {
  return absl::StrCat(R"pb(method { name: ")pb", name,
                      R"pb("
                           input_type: ".test.Req"
                           output_type: ".test.Req"
                           options {
                             [google.api.http] {)pb",
                      rule, "} } }");
}

TEST(RouteTableTest, ConflictingRoutesFailTheBuild) {
  DescriptorPool pool;
  auto table = BuildSynthetic(
      absl::StrCat("service { name: \"A\" ",
                   Method("Get", R"(get: "/v1/things/{id}")"), "} ",
                   "service { name: \"B\" ",
                   Method("Fetch", R"(get: "/v1/things/{name}")"), "}"),
      &pool);
  EXPECT_THAT(table, StatusIs(absl::StatusCode::kInvalidArgument,
                              HasSubstr("conflicting HTTP routes")));
  EXPECT_THAT(table.status().message(), HasSubstr("test.A.Get"));
  EXPECT_THAT(table.status().message(), HasSubstr("test.B.Fetch"));
}

TEST(RouteTableTest, SamePathWithOtherMethodsOrVerbsDoesNotConflict) {
  DescriptorPool pool;
  auto table = BuildSynthetic(
      absl::StrCat(
          "service { name: \"A\" ", Method("Get", R"(get: "/v1/things/{id}")"),
          Method("Delete", R"(delete: "/v1/things/{id}")"),
          Method("Poke", R"(post: "/v1/things/{id}:poke" body: "*")"), "}"),
      &pool);
  ASSERT_THAT(table, IsOk());
  EXPECT_EQ((*table)->Match("DELETE", "/v1/things/1").route->method->name(),
            "Delete");
}

TEST(RouteTableTest, LiteralSegmentsWinOverVariables) {
  DescriptorPool pool;
  auto table = BuildSynthetic(
      absl::StrCat("service { name: \"A\" ",
                   Method("Get", R"(get: "/v1/things/{name}")"),
                   Method("Special", R"(get: "/v1/things/special")"), "}"),
      &pool);
  ASSERT_THAT(table, IsOk());
  EXPECT_EQ((*table)->Match("GET", "/v1/things/special").route->method->name(),
            "Special");
  EXPECT_EQ((*table)->Match("GET", "/v1/things/other").route->method->name(),
            "Get");
}

TEST(RouteTableTest, AdditionalBindingsAddRoutes) {
  DescriptorPool pool;
  auto table =
      BuildSynthetic(absl::StrCat("service { name: \"A\" ",
                                  Method("Get", R"(get: "/v1/things/{id}"
                         additional_bindings { get: "/v1/items/{id}" }
                         additional_bindings { post: "/v1/things:get" body: "*" })"),
                                  "}"),
                     &pool);
  ASSERT_THAT(table, IsOk());
  EXPECT_EQ((*table)->routes().size(), 3u);
  EXPECT_EQ((*table)->Match("GET", "/v1/items/4").outcome, Outcome::kMatched);
  EXPECT_EQ((*table)->Match("POST", "/v1/things:get").outcome,
            Outcome::kMatched);
}

TEST(RouteTableTest, MultiSegmentVariablesTakeTheRestOfThePath) {
  DescriptorPool pool;
  auto table = BuildSynthetic(
      absl::StrCat("service { name: \"A\" ",
                   Method("Get", R"(get: "/v1/{name=files/**}")"), "}"),
      &pool);
  ASSERT_THAT(table, IsOk());
  RouteLookup lookup = (*table)->Match("GET", "/v1/files/a/b%2Fc");
  ASSERT_EQ(lookup.outcome, Outcome::kMatched);
  EXPECT_EQ(lookup.bindings[0].value, "files/a/b%2Fc");
}

TEST(RouteTableTest, BadAnnotationsFailTheBuild) {
  for (const char* rule : {
           R"(get: "/v1/things/{missing}")",
           R"(get: "/v1/things/{tags}")",
           R"(post: "/v1/things" body: "missing")",
           R"(get: "v1/no/leading/slash")",
           R"(get: "/v1/{id")",
           R"(get: "/v1/**/x")",
           R"(get: "/v1/x" additional_bindings { get: "/v1/y"
                additional_bindings { get: "/v1/z" } })",
       }) {
    SCOPED_TRACE(rule);
    DescriptorPool pool;
    EXPECT_THAT(BuildSynthetic(absl::StrCat("service { name: \"A\" ",
                                            Method("M", rule), "}"),
                               &pool),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(RouteTableTest, UnknownServiceFailsTheBuild) {
  EXPECT_THAT(RouteTable::Build(*HelpdeskGeneratedPool(), {"no.Such"}),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace helpdesk::gateway
