#include "services/notification/notification_service.h"

#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "helpdesk/notifications/v1/notifications.grpc.pb.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"
#include "services/notification/notification_test_fixture.h"

namespace helpdesk::notification {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::helpdesk::notifications::v1::CreateNotificationRequest;
using ::helpdesk::notifications::v1::MarkAllNotificationsReadRequest;
using ::helpdesk::notifications::v1::MarkAllNotificationsReadResponse;
using ::helpdesk::notifications::v1::Notification;
using ::helpdesk::notifications::v1::NotificationService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

using NotificationServiceTest = NotificationTest;

// Debian's Abseil has no status matchers; libs/status has StatusIs and IsOk.
MATCHER_P(IsOkAndHolds, expected,
          "is OK and holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  *result_listener << "which holds " << *arg;
  return *arg == expected;
}

std::vector<int64_t> Ids(
    const notifications::v1::ListNotificationsResponse& response) {
  std::vector<int64_t> ids;
  for (const Notification& n : response.notifications()) ids.push_back(n.id());
  return ids;
}

std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto bad_request = GetBadRequest(status)) {
    for (const auto& violation : bad_request->field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

TEST_F(NotificationServiceTest, CreateNotificationIsInternalOnly) {
  CreateNotificationRequest request;
  request.mutable_notification()->set_user_id(user_a_.id);
  request.mutable_notification()->set_subject("s");
  request.mutable_notification()->set_message("m");
  request.mutable_notification()->set_source_job_id(1);
  EXPECT_THAT((Call<CreateNotificationRequest, Notification>(
                  &NotificationService::Stub::CreateNotification, request,
                  admin_a_.token)),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT((Call<CreateNotificationRequest, Notification>(
                  &NotificationService::Stub::CreateNotification, request, "")),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(UnreadCount(user_a_), IsOkAndHolds(0));
}

TEST_F(NotificationServiceTest, CreateNotificationReportsEveryBadField) {
  CreateNotificationRequest request;
  request.mutable_notification()->set_subject("   ");
  request.mutable_notification()->set_message(std::string(2001, 'x'));
  auto created = Call<CreateNotificationRequest, Notification>(
      &NotificationService::Stub::CreateNotification, request, "", true);
  EXPECT_THAT(created, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ViolatedFields(created.status()),
      UnorderedElementsAre("notification.user_id", "notification.source_job_id",
                           "notification.subject", "notification.message"));
}

TEST_F(NotificationServiceTest, SubjectLimitCountsCharactersNotBytes) {
  std::string subject;
  for (int i = 0; i < 200; ++i) subject += "é";  // 400 bytes
  EXPECT_THAT(Create(user_a_.id, 1, subject), IsOk());
  EXPECT_THAT(Create(user_a_.id, 2, subject + "é"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(NotificationServiceTest, CreateReturnsTheStoredNotification) {
  auto created = Create(user_a_.id, 10, "  Assigned to you  ");
  ASSERT_THAT(created, IsOk());
  EXPECT_GT(created->id(), 0);
  EXPECT_EQ(created->user_id(), user_a_.id);
  EXPECT_EQ(created->ticket_id(), 42);
  EXPECT_EQ(created->subject(), "Assigned to you");
  EXPECT_EQ(created->source_job_id(), 10);
  EXPECT_FALSE(created->read());
  EXPECT_FALSE(created->has_read_time());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(created->create_time()),
            absl::ToUnixMicros(clock_.Now()));
}

TEST_F(NotificationServiceTest, RetriedJobDoesNotNotifyTwice) {
  auto first = Create(user_a_.id, 77, "First attempt");
  ASSERT_THAT(first, IsOk());
  auto retry = Create(user_a_.id, 77, "Second attempt");
  ASSERT_THAT(retry, IsOk());
  EXPECT_EQ(retry->id(), first->id());
  EXPECT_EQ(retry->subject(), "First attempt");
  EXPECT_THAT(UnreadCount(user_a_), IsOkAndHolds(1));
  // The same job may notify several users.
  auto other = Create(user_b_.id, 77);
  ASSERT_THAT(other, IsOk());
  EXPECT_NE(other->id(), first->id());
}

TEST_F(NotificationServiceTest, ConcurrentRetriesCreateOneRow) {
  constexpr int kThreads = 8;
  std::vector<int64_t> ids(kThreads * 4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int attempt = 0; attempt < 4; ++attempt) {
        auto created = Create(user_a_.id, 900);
        ids[t * 4 + attempt] = created.ok() ? created->id() : -1;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(std::set<int64_t>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_GT(ids[0], 0);
  auto list = List(user_a_);
  ASSERT_THAT(list, IsOk());
  EXPECT_EQ(list->notifications_size(), 1);
  EXPECT_EQ(list->unread_count(), 1);
}

TEST_F(NotificationServiceTest, InboxRpcsNeedASignedInCaller) {
  EXPECT_THAT(UnreadCount(TestUser{0, ""}),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(List(TestUser{0, "not-a-token"}),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(NotificationServiceTest, EveryUserSeesOnlyTheirOwnInboxNewestFirst) {
  auto a1 = Create(user_a_.id, 1);
  auto b1 = Create(user_b_.id, 2);
  auto a2 = Create(user_a_.id, 3);
  ASSERT_THAT(a1, IsOk());
  ASSERT_THAT(b1, IsOk());
  ASSERT_THAT(a2, IsOk());
  auto list_a = List(user_a_);
  ASSERT_THAT(list_a, IsOk());
  EXPECT_THAT(Ids(*list_a), ElementsAre(a2->id(), a1->id()));
  EXPECT_EQ(list_a->unread_count(), 2);
  EXPECT_TRUE(list_a->next_page_token().empty());
  auto list_b = List(user_b_);
  ASSERT_THAT(list_b, IsOk());
  EXPECT_THAT(Ids(*list_b), ElementsAre(b1->id()));
  // Users (not only admins) have inboxes; admins see only their own too.
  auto list_admin = List(admin_a_);
  ASSERT_THAT(list_admin, IsOk());
  EXPECT_EQ(list_admin->notifications_size(), 0);
}

TEST_F(NotificationServiceTest, AnotherUsersNotificationIsNotFound) {
  auto created = Create(user_a_.id, 1);
  ASSERT_THAT(created, IsOk());
  EXPECT_THAT(MarkRead(user_b_, created->id()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(MarkUnread(user_b_, created->id()),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(MarkRead(user_a_, created->id() + 1000),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(UnreadCount(user_a_), IsOkAndHolds(1));
}

TEST_F(NotificationServiceTest, MarkReadStampsReadTimeOnce) {
  auto created = Create(user_a_.id, 1);
  ASSERT_THAT(created, IsOk());
  const absl::Time read_at = clock_.Now() + absl::Minutes(5);
  clock_.Set(read_at);
  auto read = MarkRead(user_a_, created->id());
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(read->read());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(read->read_time()),
            absl::ToUnixMicros(read_at));
  EXPECT_THAT(UnreadCount(user_a_), IsOkAndHolds(0));

  clock_.Advance(absl::Minutes(5));
  auto again = MarkRead(user_a_, created->id());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds(again->read_time()),
            absl::ToUnixMicros(read_at));
  EXPECT_THAT(UnreadCount(user_a_), IsOkAndHolds(0));
}

TEST_F(NotificationServiceTest, MarkUnreadClearsReadTime) {
  auto created = Create(user_a_.id, 1);
  ASSERT_THAT(created, IsOk());
  ASSERT_THAT(MarkRead(user_a_, created->id()), IsOk());
  auto unread = MarkUnread(user_a_, created->id());
  ASSERT_THAT(unread, IsOk());
  EXPECT_FALSE(unread->read());
  EXPECT_FALSE(unread->has_read_time());
  EXPECT_THAT(UnreadCount(user_a_), IsOkAndHolds(1));
  ASSERT_THAT(MarkUnread(user_a_, created->id()), IsOk());
  EXPECT_THAT(UnreadCount(user_a_), IsOkAndHolds(1));
}

TEST_F(NotificationServiceTest, MarkAllReadCountsWhatItChanged) {
  auto first = Create(user_a_.id, 1);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(Create(user_a_.id, 2), IsOk());
  ASSERT_THAT(Create(user_a_.id, 3), IsOk());
  ASSERT_THAT(Create(user_b_.id, 4), IsOk());
  ASSERT_THAT(MarkRead(user_a_, first->id()), IsOk());
  auto mark_all = [&] {
    return Call<MarkAllNotificationsReadRequest,
                MarkAllNotificationsReadResponse>(
        &NotificationService::Stub::MarkAllNotificationsRead,
        MarkAllNotificationsReadRequest(), user_a_.token);
  };
  auto marked = mark_all();
  ASSERT_THAT(marked, IsOk());
  EXPECT_EQ(marked->updated_count(), 2);
  EXPECT_THAT(UnreadCount(user_a_), IsOkAndHolds(0));
  EXPECT_THAT(UnreadCount(user_b_), IsOkAndHolds(1));
  auto again = mark_all();
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->updated_count(), 0);
}

TEST_F(NotificationServiceTest, UnreadOnlyListsUnreadNotifications) {
  auto first = Create(user_a_.id, 1);
  auto second = Create(user_a_.id, 2);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  ASSERT_THAT(MarkRead(user_a_, second->id()), IsOk());
  auto unread = List(user_a_, /*unread_only=*/true);
  ASSERT_THAT(unread, IsOk());
  EXPECT_THAT(Ids(*unread), ElementsAre(first->id()));
  EXPECT_EQ(unread->unread_count(), 1);
}

TEST_F(NotificationServiceTest, PagesWalkTheInboxWithoutGapsOrRepeats) {
  std::vector<int64_t> created;
  for (int job = 1; job <= 7; ++job) {
    auto n = Create(user_a_.id, job);
    ASSERT_THAT(n, IsOk());
    created.insert(created.begin(), n->id());  // newest first
  }
  ASSERT_THAT(Create(user_b_.id, 100), IsOk());
  std::vector<int64_t> seen;
  std::vector<int> page_sizes;
  std::string token;
  do {
    auto page = List(user_a_, false, 3, token);
    ASSERT_THAT(page, IsOk());
    for (int64_t id : Ids(*page)) seen.push_back(id);
    page_sizes.push_back(page->notifications_size());
    EXPECT_EQ(page->unread_count(), 7);
    token = page->next_page_token();
  } while (!token.empty());
  EXPECT_EQ(seen, created);
  EXPECT_THAT(page_sizes, ElementsAre(3, 3, 1));
}

TEST_F(NotificationServiceTest, ForeignOrEditedPageTokensAreInvalid) {
  for (int job = 1; job <= 3; ++job) {
    ASSERT_THAT(Create(user_a_.id, job), IsOk());
    ASSERT_THAT(Create(user_b_.id, job), IsOk());
  }
  auto page = List(user_a_, false, 1);
  ASSERT_THAT(page, IsOk());
  const std::string token = page->next_page_token();
  ASSERT_FALSE(token.empty());
  ASSERT_THAT(List(user_a_, false, 1, token), IsOk());

  std::string edited = token;
  edited[edited.size() / 2] = edited[edited.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(List(user_a_, false, 1, edited),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(List(user_a_, false, 1, "garbage!"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Bound to the filter and to the user.
  EXPECT_THAT(List(user_a_, true, 1, token),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto stolen = List(user_b_, false, 1, token);
  EXPECT_THAT(stolen, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ViolatedFields(stolen.status()), ElementsAre("page_token"));
}

TEST_F(NotificationServiceTest, NegativePageSizeIsInvalid) {
  EXPECT_THAT(List(user_a_, false, -1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(NotificationServiceTest, PageSizeDefaultsTo50AndIsClampedTo1000) {
  for (int job = 1; job <= 1001; ++job) {
    ASSERT_THAT(Create(user_a_.id, job), IsOk());
  }
  auto default_page = List(user_a_, false, 0);
  ASSERT_THAT(default_page, IsOk());
  EXPECT_EQ(default_page->notifications_size(), 50);
  auto huge = List(user_a_, false, 2'000'000'000);
  ASSERT_THAT(huge, IsOk());
  EXPECT_EQ(huge->notifications_size(), 1000);
  EXPECT_FALSE(huge->next_page_token().empty());
  EXPECT_EQ(huge->unread_count(), 1001);
}

}  // namespace
}  // namespace helpdesk::notification
