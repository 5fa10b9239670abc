#include "services/audit/audit_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.grpc.pb.h"
#include "libs/auth/principal.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/cluster.h"

namespace helpdesk::audit {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::audit::v1::AuditService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

// A real auth service signs users in; the audit server (a server of its
// own) resolves their tokens through it.
class AuditServiceTest : public helpdesk::testing::ClusterTest {
 protected:
  AuditServiceTest() : ClusterTest({kAuth, kAudit}) {
    cluster_options_.own_server = {kAudit};
  }

  void SetUp() override {
    ClusterTest::SetUp();
    if (cluster_ == nullptr) return;
    stub_ = AuditService::NewStub(cluster_->Channel(kAudit));
    // Sign-ins stay in auth's outbox: the log holds what each test records.
    cluster_->auth()->Stop();
    admin_ = Login("admina@example.com").token;
    user_ = Login("usera@example.com").token;
  }

  absl::StatusOr<v1::AuditEvent> Record(const v1::RecordAuditEventRequest& r,
                                        bool as_service = true,
                                        const std::string& token = "") {
    grpc::ClientContext context;
    if (as_service) context.AddMetadata(auth::kServiceTokenKey, kServiceToken);
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::AuditEvent response;
    absl::Status status =
        rpc::FromGrpcStatus(stub_->RecordAuditEvent(&context, r, &response));
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::ListAuditEventsResponse> List(
      const v1::ListAuditEventsRequest& request, const std::string& token) {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::ListAuditEventsResponse response;
    absl::Status status = rpc::FromGrpcStatus(
        stub_->ListAuditEvents(&context, request, &response));
    if (!status.ok()) return status;
    return response;
  }

  v1::RecordAuditEventRequest Request(int n, const std::string& action) {
    v1::RecordAuditEventRequest request;
    request.set_event_key(absl::StrCat("k", n));
    request.set_actor_id(3);
    request.set_action(action);
    request.set_entity_type("ticket");
    request.set_entity_id(n);
    *request.mutable_create_time() =
        TimeUtil::SecondsToTimestamp(1'800'000'000 + n);
    return request;
  }

  std::unique_ptr<AuditService::Stub> stub_;
  std::string admin_;
  std::string user_;
};

TEST_F(AuditServiceTest, RecordingIsInternalOnly) {
  EXPECT_THAT(Record(Request(1, "ticket.created"), false, admin_),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Record(Request(1, "ticket.created")), IsOk());
}

TEST_F(AuditServiceTest, SameKeyTwiceStoresOneEventAndReturnsIt) {
  auto first = Record(Request(1, "ticket.created"));
  ASSERT_THAT(first, IsOk());
  v1::RecordAuditEventRequest retry = Request(1, "ticket.created");
  auto second = Record(retry);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(first->id(), second->id());
  auto all = List({}, admin_);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->audit_events_size(), 1);
}

TEST_F(AuditServiceTest, SnapshotsComeBackExactlyAsRecorded) {
  v1::RecordAuditEventRequest request = Request(1, "ticket.status_changed");
  auto& before = *request.mutable_before()->mutable_fields();
  before["status"].set_string_value("OPEN");
  auto& after = *request.mutable_after()->mutable_fields();
  after["status"].set_string_value("RESOLVED");
  after["tags"].mutable_list_value()->add_values()->set_number_value(1.5);
  after["note"].set_null_value(google::protobuf::NULL_VALUE);
  ASSERT_THAT(Record(request), IsOk());
  auto listed = List({}, admin_);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->audit_events_size(), 1);
  const v1::AuditEvent& event = listed->audit_events(0);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      event.before(), request.before()));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      event.after(), request.after()));
  EXPECT_EQ(event.create_time(), request.create_time());
}

TEST_F(AuditServiceTest, ListingIsForAdminsOnly) {
  EXPECT_THAT(List({}, ""), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(List({}, user_), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(AuditServiceTest, FiltersAndPagesThroughEverything) {
  for (int n = 1; n <= 7; ++n) {
    ASSERT_THAT(Record(Request(n, n % 2 ? "ticket.created" : "note.created")),
                IsOk());
  }
  v1::ListAuditEventsRequest request;
  request.set_action("ticket.created");
  request.set_page_size(3);
  std::vector<int64_t> entities;
  for (int page = 0; page < 5; ++page) {
    auto response = List(request, admin_);
    ASSERT_THAT(response, IsOk());
    for (const auto& event : response->audit_events()) {
      entities.push_back(event.entity_id());
    }
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }
  EXPECT_THAT(entities, ::testing::ElementsAre(7, 5, 3, 1));
}

TEST_F(AuditServiceTest, ForeignOrForgedPageTokenIsInvalidArgument) {
  for (int n = 1; n <= 3; ++n) ASSERT_THAT(Record(Request(n, "a")), IsOk());
  v1::ListAuditEventsRequest request;
  request.set_page_size(1);
  auto page = List(request, admin_);
  ASSERT_THAT(page, IsOk());
  request.set_action("a");  // other filters: the token does not apply
  request.set_page_token(page->next_page_token());
  EXPECT_THAT(List(request, admin_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  request.set_page_token("' OR 1=1 --");
  EXPECT_THAT(List(request, admin_),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AuditServiceTest, SqlMetacharactersInFiltersAreJustText) {
  ASSERT_THAT(Record(Request(1, "ticket.created")), IsOk());
  v1::ListAuditEventsRequest request;
  request.set_action("ticket.created' OR '1'='1");
  auto response = List(request, admin_);
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->audit_events_size(), 0);
}

TEST_F(AuditServiceTest, EmptyTimeRangeIsInvalidArgument) {
  v1::ListAuditEventsRequest request;
  *request.mutable_start_time() = TimeUtil::SecondsToTimestamp(100);
  *request.mutable_end_time() = TimeUtil::SecondsToTimestamp(100);
  EXPECT_THAT(List(request, admin_),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AuditServiceTest, MissingRequiredFieldsAreInvalidArgument) {
  v1::RecordAuditEventRequest request = Request(1, "");
  request.clear_event_key();
  EXPECT_THAT(Record(request), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(AuditServiceTest, VerifyAuditChainIsForAdmins) {
  ASSERT_THAT(Record(Request(1, "a")), IsOk());
  grpc::ClientContext user_context;
  user_context.AddMetadata("authorization", "Bearer " + user_);
  v1::VerifyAuditChainResponse response;
  EXPECT_EQ(stub_->VerifyAuditChain(&user_context, {}, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext admin_context;
  admin_context.AddMetadata("authorization", "Bearer " + admin_);
  ASSERT_TRUE(stub_->VerifyAuditChain(&admin_context, {}, &response).ok());
  EXPECT_TRUE(response.ok());
  EXPECT_EQ(response.checked_count(), 1);
}

}  // namespace
}  // namespace helpdesk::audit
