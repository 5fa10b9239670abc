#include "gateway/transcoder.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/helpdesk_protos.h"
#include "gateway/route_table.h"
#include "gmock/gmock.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.pb.h"
#include "helpdesk/auth/v1/auth.pb.h"
#include "helpdesk/notifications/v1/notifications.pb.h"
#include "helpdesk/tickets/v1/tickets.pb.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::gateway {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::util::TimeUtil;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TranscoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto table =
        RouteTable::Build(*HelpdeskGeneratedPool(), HelpdeskServices());
    ASSERT_THAT(table, IsOk());
    table_ = std::move(*table);
  }

  // Transcodes a request as the gateway would and returns it as `T`.
  template <typename T>
  absl::StatusOr<T> Build(absl::string_view method, absl::string_view target,
                          absl::string_view body = "") {
    const size_t mark = target.find('?');
    const absl::string_view path = target.substr(0, mark);
    const absl::string_view query =
        mark == absl::string_view::npos ? "" : target.substr(mark + 1);
    RouteLookup lookup = table_->Match(method, path);
    if (lookup.outcome != RouteLookup::Outcome::kMatched) {
      return absl::NotFoundError("no route");
    }
    return BuildFor<T>(*lookup.route, lookup.bindings, query, body);
  }

  template <typename T>
  absl::StatusOr<T> BuildFor(const Route& route,
                             const std::vector<PathBinding>& bindings,
                             absl::string_view query, absl::string_view body) {
    Transcoder transcoder(
        route, google::protobuf::MessageFactory::generated_factory());
    if (absl::Status status = transcoder.BuildRequest(body, bindings, query);
        !status.ok()) {
      return status;
    }
    T result;
    result.CopyFrom(transcoder.request());
    return result;
  }

  // A GET route without body to `rpc` (for fields no contract route binds
  // from the query string).
  Route QueryRoute(const std::string& rpc) {
    Route route;
    route.http_method = "GET";
    route.path_template = "/test";
    route.method = HelpdeskGeneratedPool()->FindMethodByName(rpc);
    return route;
  }

  std::unique_ptr<RouteTable> table_;
};

TEST_F(TranscoderTest, BodyStarFillsTheWholeRequest) {
  auto request = Build<auth::v1::LoginRequest>(
      "POST", "/v1/auth/login", R"({"email":"a@b.c","password":"pw"})");
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->email(), "a@b.c");
  EXPECT_EQ(request->password(), "pw");
}

TEST_F(TranscoderTest, EmptyBodyIsAnEmptyObject) {
  EXPECT_THAT(Build<auth::v1::LogoutRequest>("POST", "/v1/auth/logout", ""),
              IsOk());
  EXPECT_THAT(Build<auth::v1::LogoutRequest>("POST", "/v1/auth/logout", " \n"),
              IsOk());
}

TEST_F(TranscoderTest, BothFieldSpellingsAreAccepted) {
  auto camel = Build<tickets::v1::AssignTicketRequest>(
      "POST", "/v1/tickets/7:assign", R"({"assigneeId":"2"})");
  auto snake = Build<tickets::v1::AssignTicketRequest>(
      "POST", "/v1/tickets/7:assign", R"({"assignee_id":2})");
  ASSERT_THAT(camel, IsOk());
  ASSERT_THAT(snake, IsOk());
  EXPECT_EQ(camel->assignee_id(), 2);
  EXPECT_EQ(snake->assignee_id(), 2);
  EXPECT_EQ(camel->id(), 7);
}

TEST_F(TranscoderTest, PathVariablesOverrideTheBody) {
  auto request = Build<tickets::v1::AssignTicketRequest>(
      "POST", "/v1/tickets/7:assign", R"({"id":"9","assigneeId":"2"})");
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->id(), 7);
}

TEST_F(TranscoderTest, BodyFieldFillsThatField) {
  auto request = Build<tickets::v1::CreateTicketRequest>(
      "POST", "/v1/tickets", R"({"title":"Printer","body":"It jams"})");
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->ticket().title(), "Printer");
  EXPECT_EQ(request->ticket().body(), "It jams");
}

TEST_F(TranscoderTest, NestedPathVariableAndDerivedUpdateMask) {
  auto request = Build<tickets::v1::UpdateTicketRequest>(
      "PATCH", "/v1/tickets/7", R"({"title":"New","status":"RESOLVED"})");
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->ticket().id(), 7);
  EXPECT_EQ(request->ticket().title(), "New");
  EXPECT_EQ(request->ticket().status(), tickets::v1::Ticket::RESOLVED);
  // Relative to the body field (AIP-134), in proto spelling.
  EXPECT_THAT(request->update_mask().paths(), ElementsAre("status", "title"));
}

TEST_F(TranscoderTest, DerivedMaskUsesProtoNamesForEitherSpelling) {
  auto request = Build<tickets::v1::UpdateTicketRequest>(
      "PATCH", "/v1/tickets/7", R"({"assigneeName":"x","requester_id":"1"})");
  ASSERT_THAT(request, IsOk());
  EXPECT_THAT(request->update_mask().paths(),
              ElementsAre("assignee_name", "requester_id"));
}

TEST_F(TranscoderTest, ExplicitUpdateMaskIsKept) {
  auto request = Build<tickets::v1::UpdateTicketRequest>(
      "PATCH", "/v1/tickets/7?updateMask=body", R"({"title":"New"})");
  ASSERT_THAT(request, IsOk());
  EXPECT_THAT(request->update_mask().paths(), ElementsAre("body"));
}

TEST_F(TranscoderTest, EmptyPatchBodyGivesAnEmptyMask) {
  auto request =
      Build<tickets::v1::UpdateTicketRequest>("PATCH", "/v1/tickets/7", "{}");
  ASSERT_THAT(request, IsOk());
  EXPECT_TRUE(request->update_mask().paths().empty());
}

TEST_F(TranscoderTest, QueryParametersSetScalarsEnumsAndTimestamps) {
  auto request = Build<audit::v1::ListAuditEventsRequest>(
      "GET",
      "/v1/auditEvents?action=user.login&actorId=3&entity_type=user"
      "&startTime=2024-05-01T12:00:00Z&pageSize=2&pageToken=a%2Bb+c");
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->action(), "user.login");
  EXPECT_EQ(request->actor_id(), 3);
  EXPECT_EQ(request->entity_type(), "user");
  EXPECT_EQ(request->start_time(), TimeUtil::SecondsToTimestamp(1714564800));
  EXPECT_EQ(request->page_size(), 2);
  EXPECT_EQ(request->page_token(), "a+b c");
}

TEST_F(TranscoderTest, EnumsByNameOrNumber) {
  EXPECT_EQ(
      Build<auth::v1::ListUsersRequest>("GET", "/v1/users?role=ADMIN")->role(),
      auth::v1::User::ADMIN);
  EXPECT_EQ(
      Build<auth::v1::ListUsersRequest>("GET", "/v1/users?role=1")->role(),
      auth::v1::User::USER);
  EXPECT_THAT(Build<auth::v1::ListUsersRequest>("GET", "/v1/users?role=BOSS"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TranscoderTest, BoolsInTheQuery) {
  EXPECT_TRUE(Build<notifications::v1::ListNotificationsRequest>(
                  "GET", "/v1/notifications?unreadOnly=true")
                  ->unread_only());
  EXPECT_THAT(Build<notifications::v1::ListNotificationsRequest>(
                  "GET", "/v1/notifications?unreadOnly=maybe"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TranscoderTest, RepeatedQueryParametersAppend) {
  Route route = QueryRoute("helpdesk.auth.v1.AuthService.BatchGetUsers");
  auto request =
      BuildFor<auth::v1::BatchGetUsersRequest>(route, {}, "ids=1&ids=2", "");
  ASSERT_THAT(request, IsOk());
  EXPECT_THAT(request->ids(), ElementsAre(1, 2));
}

TEST_F(TranscoderTest, DottedQueryParametersReachNestedFields) {
  Route route = QueryRoute("helpdesk.tickets.v1.TicketService.UpdateTicket");
  auto request = BuildFor<tickets::v1::UpdateTicketRequest>(
      route, {}, "ticket.title=Hi&ticket.status=OPEN&update_mask=title", "");
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->ticket().title(), "Hi");
  EXPECT_EQ(request->ticket().status(), tickets::v1::Ticket::OPEN);
  EXPECT_THAT(request->update_mask().paths(), ElementsAre("title"));
}

TEST_F(TranscoderTest, BadQueryParametersAreInvalidArgument) {
  for (const char* target : {
           "/v1/auditEvents?pageSize=ten",
           "/v1/auditEvents?pageSize=99999999999",
           "/v1/auditEvents?actorId=1.5",
           "/v1/auditEvents?startTime=yesterday",
           "/v1/auditEvents?nothing=1",
           "/v1/auditEvents?action.x=1",
           "/v1/auditEvents?before=1",  // a Struct: not settable from a URL
           "/v1/auditEvents?action=%ff",
           "/v1/auditEvents?action=%zz",
       }) {
    SCOPED_TRACE(target);
    EXPECT_THAT(Build<audit::v1::ListAuditEventsRequest>("GET", target),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST_F(TranscoderTest, SingularQueryParameterGivenTwiceIsInvalidArgument) {
  for (const char* target :
       {"/v1/auditEvents?pageSize=1&pageSize=2",
        "/v1/auditEvents?page_size=1&pageSize=1",
        "/v1/auditEvents?pageSize=1&action=a&pageSize=1"}) {
    SCOPED_TRACE(target);
    auto request = Build<audit::v1::ListAuditEventsRequest>("GET", target);
    EXPECT_THAT(request, StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(request.status().message(), HasSubstr("more than once"));
    std::optional<google::rpc::BadRequest> bad =
        GetBadRequest(request.status());
    ASSERT_TRUE(bad.has_value());
    EXPECT_EQ(bad->field_violations(0).field(), "page_size");
  }
  EXPECT_THAT(Build<audit::v1::ListAuditEventsRequest>(
                  "GET", "/v1/auditEvents?pageSize=1&pageSize=2")
                  .status()
                  .message(),
              HasSubstr("\"pageSize\""));
}

// protobuf's JSON parser takes a UTC offset that moves a Timestamp past
// 9999-12-31T23:59:59Z (or before year 1); its printer then fails.
TEST_F(TranscoderTest, OutOfRangeTimestampsInTheQueryAreInvalidArgument) {
  for (const char* target : {
           "/v1/auditEvents?startTime=10000-01-01T00:00:00Z",
           "/v1/auditEvents?startTime=9999-12-31T23:59:59-01:00",
           "/v1/auditEvents?endTime=0001-01-01T00:00:00%2B01:00",
       }) {
    SCOPED_TRACE(target);
    auto request = Build<audit::v1::ListAuditEventsRequest>("GET", target);
    EXPECT_THAT(request, StatusIs(absl::StatusCode::kInvalidArgument));
    ASSERT_TRUE(GetBadRequest(request.status()).has_value());
  }
  auto request = Build<audit::v1::ListAuditEventsRequest>(
      "GET", "/v1/auditEvents?startTime=9999-12-31T23:59:59-01:00");
  EXPECT_EQ(GetBadRequest(request.status())->field_violations(0).field(),
            "start_time");
  EXPECT_THAT(Build<audit::v1::ListAuditEventsRequest>(
                  "GET", "/v1/auditEvents?startTime=9999-12-31T23:59:59Z"),
              IsOk());
}

TEST_F(TranscoderTest, OutOfRangeTimestampsInTheBodyAreInvalidArgument) {
  auto request = Build<tickets::v1::CreateTicketRequest>(
      "POST", "/v1/tickets",
      R"({"title":"t","body":"b","createTime":"9999-12-31T23:59:59-01:00"})");
  EXPECT_THAT(request, StatusIs(absl::StatusCode::kInvalidArgument));
  std::optional<google::rpc::BadRequest> bad = GetBadRequest(request.status());
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field_violations(0).field(), "ticket.create_time");
  EXPECT_THAT(Build<tickets::v1::CreateTicketRequest>(
                  "POST", "/v1/tickets",
                  R"({"title":"t","createTime":"10000-01-01T00:00:00Z"})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TranscoderTest, BadValuesNameTheFieldInABadRequest) {
  auto request = Build<audit::v1::ListAuditEventsRequest>(
      "GET", "/v1/auditEvents?pageSize=x");
  std::optional<google::rpc::BadRequest> bad = GetBadRequest(request.status());
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->field_violations(0).field(), "page_size");
}

TEST_F(TranscoderTest, QueryMayNotSetWhatThePathOrBodySets) {
  EXPECT_THAT(Build<tickets::v1::GetTicketRequest>("GET", "/v1/tickets/7?id=8"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Build<auth::v1::LoginRequest>("POST", "/v1/auth/login?email=x",
                                            R"({"email":"a"})"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Build<tickets::v1::UpdateTicketRequest>(
                  "PATCH", "/v1/tickets/7?ticket.title=x", "{}"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TranscoderTest, PathValuesAreTyped) {
  EXPECT_EQ(Build<tickets::v1::GetTicketRequest>("GET", "/v1/tickets/42")->id(),
            42);
  EXPECT_THAT(Build<tickets::v1::GetTicketRequest>("GET", "/v1/tickets/abc"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Build<tickets::v1::GetTicketRequest>(
                "GET", "/v1/tickets/4?view=TICKET_VIEW_FULL")
                ->view(),
            tickets::v1::TICKET_VIEW_FULL);
}

TEST_F(TranscoderTest, MalformedBodiesAreInvalidArgument) {
  for (const char* body : {
           R"({"email":)",
           R"({"email":"a","unknown":1})",
           R"({"email":5})",
           R"(["email"])",
           R"("text")",
           "{\"email\":\"\xc3\x28\"}",
       }) {
    SCOPED_TRACE(body);
    EXPECT_THAT(Build<auth::v1::LoginRequest>("POST", "/v1/auth/login", body),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST_F(TranscoderTest, BodyOnARouteWithoutBodyIsInvalidArgument) {
  EXPECT_THAT(
      Build<auth::v1::GetCurrentUserRequest>("GET", "/v1/auth/me", "{}"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("takes no request body")));
}

TEST_F(TranscoderTest, ResponsesAreProto3Json) {
  const Route* route = table_->Match("GET", "/v1/auth/me").route;
  Transcoder transcoder(*route,
                        google::protobuf::MessageFactory::generated_factory());
  std::unique_ptr<Message> response = transcoder.NewResponse();
  auth::v1::User user;
  user.set_id(12345678901);
  user.set_email("a@b.c");
  user.set_role(auth::v1::User::ADMIN);
  *user.mutable_create_time() = TimeUtil::SecondsToTimestamp(1714564800);
  response->CopyFrom(user);
  auto json = transcoder.ResponseToJson(*response);
  ASSERT_THAT(json, IsOk());
  EXPECT_EQ(*json,
            R"({"id":"12345678901","email":"a@b.c","name":"","role":"ADMIN",)"
            R"("createTime":"2024-05-01T12:00:00Z"})");
}

TEST(RemoveJsonKeyTest, RemovesOnlyThatTopLevelKey) {
  EXPECT_EQ(RemoveJsonKey(R"({"a":"1","sessionToken":"s"})", "sessionToken"),
            R"({"a":"1"})");
  EXPECT_EQ(RemoveJsonKey("not json", "a"), "not json");
}

}  // namespace
}  // namespace helpdesk::gateway
