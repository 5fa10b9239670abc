// Pins the public contract (the protos in this folder): every RPC, its HTTP
// route and who may call it, the enum names clients see in JSON, and a doc
// comment on every element of the API.
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "helpdesk/auth/v1/auth.grpc.pb.h"
#include "helpdesk/jobs/v1/jobs.grpc.pb.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "helpdesk/tickets/v1/tickets.grpc.pb.h"

namespace helpdesk {
namespace {

using ::google::protobuf::DescriptorPool;
using ::google::protobuf::MethodDescriptor;

struct Route {
  const char* method;  // full name, e.g. helpdesk.auth.v1.AuthService.Login
  const char* verb;    // "" for internal RPCs without an HTTP binding
  const char* path;
  const char* body;
};

constexpr Route kRoutes[] = {
    {"helpdesk.auth.v1.AuthService.Register", "post", "/v1/auth/register", "*"},
    {"helpdesk.auth.v1.AuthService.Login", "post", "/v1/auth/login", "*"},
    {"helpdesk.auth.v1.AuthService.Logout", "post", "/v1/auth/logout", "*"},
    {"helpdesk.auth.v1.AuthService.GetCurrentUser", "get", "/v1/auth/me", ""},
    {"helpdesk.auth.v1.AuthService.ListUsers", "get", "/v1/users", ""},
    {"helpdesk.auth.v1.AuthService.BatchGetUsers", "", "", ""},
    {"helpdesk.auth.v1.AuthService.Authenticate", "", "", ""},
    {"helpdesk.tickets.v1.TicketService.CreateTicket", "post", "/v1/tickets",
     "ticket"},
    {"helpdesk.tickets.v1.TicketService.GetTicket", "get", "/v1/tickets/{id}",
     ""},
    {"helpdesk.tickets.v1.TicketService.ListTickets", "get", "/v1/tickets", ""},
    {"helpdesk.tickets.v1.TicketService.UpdateTicket", "patch",
     "/v1/tickets/{ticket.id}", "ticket"},
    {"helpdesk.tickets.v1.TicketService.AssignTicket", "post",
     "/v1/tickets/{id}:assign", "*"},
    {"helpdesk.tickets.v1.TicketService.CreateComment", "post",
     "/v1/tickets/{ticket_id}/comments", "comment"},
    {"helpdesk.tickets.v1.TicketService.ListComments", "get",
     "/v1/tickets/{ticket_id}/comments", ""},
    {"helpdesk.tickets.v1.TicketService.CreateNote", "post",
     "/v1/tickets/{ticket_id}/notes", "note"},
    {"helpdesk.tickets.v1.TicketService.ListNotes", "get",
     "/v1/tickets/{ticket_id}/notes", ""},
    {"helpdesk.tickets.v1.TicketService.EscalateOverdue", "", "", ""},
    {"helpdesk.audit.v1.AuditService.ListAuditEvents", "get", "/v1/auditEvents",
     ""},
    {"helpdesk.audit.v1.AuditService.RecordAuditEvent", "", "", ""},
    {"helpdesk.audit.v1.AuditService.VerifyAuditChain", "get",
     "/v1/auditEvents:verifyChain", ""},
    {"helpdesk.notifications.v1.NotificationService.ListNotifications", "get",
     "/v1/notifications", ""},
    {"helpdesk.notifications.v1.NotificationService.GetUnreadCount", "get",
     "/v1/notifications:unreadCount", ""},
    {"helpdesk.notifications.v1.NotificationService.MarkNotificationRead",
     "post", "/v1/notifications/{id}:markRead", "*"},
    {"helpdesk.notifications.v1.NotificationService.MarkNotificationUnread",
     "post", "/v1/notifications/{id}:markUnread", "*"},
    {"helpdesk.notifications.v1.NotificationService.MarkAllNotificationsRead",
     "post", "/v1/notifications:markAllRead", "*"},
    {"helpdesk.notifications.v1.NotificationService.WatchNotifications", "get",
     "/v1/notifications:watch", ""},
    {"helpdesk.notifications.v1.NotificationService.CreateNotification", "", "",
     ""},
    {"helpdesk.jobs.v1.JobService.EnqueueJob", "", "", ""},
    {"helpdesk.jobs.v1.JobService.GetJob", "get", "/v1/jobs/{id}", ""},
    {"helpdesk.jobs.v1.JobService.ListJobs", "get", "/v1/jobs", ""},
    {"helpdesk.jobs.v1.JobService.RetryJob", "post", "/v1/jobs/{id}:retry",
     "*"},
    {"helpdesk.jobs.v1.JobService.RunEscalationSweep", "post",
     "/v1/jobs:runEscalationSweep", "*"},
};

constexpr const char* kServices[] = {
    "helpdesk.auth.v1.AuthService",
    "helpdesk.tickets.v1.TicketService",
    "helpdesk.audit.v1.AuditService",
    "helpdesk.notifications.v1.NotificationService",
    "helpdesk.jobs.v1.JobService",
};

// Touching one descriptor per file links its generated code, which is what
// registers the file in the generated pool.
const bool kAllFilesLinked = [] {
  return helpdesk::auth::v1::User::descriptor() != nullptr &&
         helpdesk::tickets::v1::Ticket::descriptor() != nullptr &&
         helpdesk::audit::v1::AuditEvent::descriptor() != nullptr &&
         helpdesk::notifications::v1::Notification::descriptor() != nullptr &&
         helpdesk::jobs::v1::Job::descriptor() != nullptr;
}();

std::string Verb(const google::api::HttpRule& rule) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return "get";
    case google::api::HttpRule::kPost:
      return "post";
    case google::api::HttpRule::kPatch:
      return "patch";
    case google::api::HttpRule::kPut:
      return "put";
    case google::api::HttpRule::kDelete:
      return "delete";
    default:
      return "";
  }
}

std::string Path(const google::api::HttpRule& rule) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return rule.get();
    case google::api::HttpRule::kPost:
      return rule.post();
    case google::api::HttpRule::kPatch:
      return rule.patch();
    case google::api::HttpRule::kPut:
      return rule.put();
    case google::api::HttpRule::kDelete:
      return rule.delete_();
    default:
      return "";
  }
}

TEST(ContractTest, EveryRpcHasExactlyTheContractedRoute) {
  ASSERT_TRUE(kAllFilesLinked);
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  for (const Route& route : kRoutes) {
    SCOPED_TRACE(route.method);
    const MethodDescriptor* method = pool->FindMethodByName(route.method);
    ASSERT_NE(method, nullptr);
    const auto& options = method->options();
    if (route.verb[0] == '\0') {
      EXPECT_FALSE(options.HasExtension(google::api::http))
          << "internal RPCs have no HTTP binding";
      continue;
    }
    ASSERT_TRUE(options.HasExtension(google::api::http));
    const google::api::HttpRule& rule = options.GetExtension(google::api::http);
    EXPECT_EQ(Verb(rule), route.verb);
    EXPECT_EQ(Path(rule), route.path);
    EXPECT_EQ(rule.body(), route.body);
  }
}

TEST(ContractTest, ServicesHaveNoRpcsBeyondTheContract) {
  std::set<std::string> contracted;
  for (const Route& route : kRoutes) contracted.insert(route.method);
  for (const char* name : kServices) {
    const auto* service =
        DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      EXPECT_TRUE(contracted.count(service->method(i)->full_name()))
          << service->method(i)->full_name() << " is not in the contract";
    }
  }
}

TEST(ContractTest, WatchNotificationsIsAServerStream) {
  const auto* method = DescriptorPool::generated_pool()->FindMethodByName(
      "helpdesk.notifications.v1.NotificationService.WatchNotifications");
  ASSERT_NE(method, nullptr);
  EXPECT_TRUE(method->server_streaming());
  EXPECT_FALSE(method->client_streaming());
}

TEST(ContractTest, EnumValuesUseTheContractedNames) {
  using helpdesk::auth::v1::User;
  using helpdesk::jobs::v1::Job;
  using helpdesk::tickets::v1::Ticket;
  EXPECT_EQ(Ticket::Status_Name(Ticket::STATUS_UNSPECIFIED),
            "STATUS_UNSPECIFIED");
  EXPECT_EQ(Ticket::Status_Name(Ticket::OPEN), "OPEN");
  EXPECT_EQ(Ticket::Status_Name(Ticket::IN_PROGRESS), "IN_PROGRESS");
  EXPECT_EQ(Ticket::Status_Name(Ticket::RESOLVED), "RESOLVED");
  EXPECT_EQ(User::Role_Name(User::USER), "USER");
  EXPECT_EQ(User::Role_Name(User::ADMIN), "ADMIN");
  EXPECT_EQ(User::Role_Name(User::ROLE_UNSPECIFIED), "ROLE_UNSPECIFIED");
  for (auto [state, name] : std::vector<std::pair<Job::State, std::string>>{
           {Job::QUEUED, "QUEUED"},
           {Job::RUNNING, "RUNNING"},
           {Job::SUCCEEDED, "SUCCEEDED"},
           {Job::DEAD, "DEAD"},
           {Job::CANCELLED, "CANCELLED"}}) {
    EXPECT_EQ(Job::State_Name(state), name);
  }
  EXPECT_EQ(helpdesk::tickets::v1::TicketView_Name(
                helpdesk::tickets::v1::TICKET_VIEW_FULL),
            "TICKET_VIEW_FULL");
  EXPECT_EQ(helpdesk::tickets::v1::TicketView_Name(
                helpdesk::tickets::v1::TICKET_VIEW_BASIC),
            "TICKET_VIEW_BASIC");
}

TEST(ContractTest, IdsAreInt64) {
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  for (const char* message :
       {"helpdesk.auth.v1.User", "helpdesk.tickets.v1.Ticket",
        "helpdesk.tickets.v1.Note", "helpdesk.tickets.v1.Comment",
        "helpdesk.audit.v1.AuditEvent",
        "helpdesk.notifications.v1.Notification", "helpdesk.jobs.v1.Job"}) {
    const auto* descriptor = pool->FindMessageTypeByName(message);
    ASSERT_NE(descriptor, nullptr) << message;
    const auto* id = descriptor->FindFieldByName("id");
    ASSERT_NE(id, nullptr) << message;
    EXPECT_EQ(id->type(), google::protobuf::FieldDescriptor::TYPE_INT64)
        << message;
  }
}

// The descriptor set the gateway loads carries every service, and every
// service, RPC, message and field of ours has a doc comment.
TEST(ContractTest, DescriptorSetDocumentsEveryElement) {
  const std::string path = std::string(std::getenv("TEST_SRCDIR")) +
                           "/helpdesk/protos/helpdesk_descriptor_set.pb";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << path;
  google::protobuf::FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromIstream(&in));

  DescriptorPool pool;
  for (const auto& file : set.file()) ASSERT_NE(pool.BuildFile(file), nullptr);
  for (const char* name : kServices) {
    EXPECT_NE(pool.FindServiceByName(name), nullptr) << name;
  }

  std::vector<std::string> undocumented;
  auto check = [&](const auto* element) {
    google::protobuf::SourceLocation location;
    if (!element->GetSourceLocation(&location) ||
        location.leading_comments.empty()) {
      undocumented.push_back(element->full_name());
    }
  };
  for (const auto& file_proto : set.file()) {
    if (file_proto.package().rfind("helpdesk.", 0) != 0) continue;
    const auto* file = pool.FindFileByName(file_proto.name());
    for (int s = 0; s < file->service_count(); ++s) {
      check(file->service(s));
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        check(file->service(s)->method(m));
      }
    }
    std::vector<const google::protobuf::Descriptor*> messages;
    for (int i = 0; i < file->message_type_count(); ++i) {
      messages.push_back(file->message_type(i));
    }
    while (!messages.empty()) {
      const auto* message = messages.back();
      messages.pop_back();
      check(message);
      for (int f = 0; f < message->field_count(); ++f) check(message->field(f));
      for (int n = 0; n < message->nested_type_count(); ++n) {
        messages.push_back(message->nested_type(n));
      }
    }
  }
  EXPECT_THAT(undocumented, ::testing::IsEmpty());
}

}  // namespace
}  // namespace helpdesk
