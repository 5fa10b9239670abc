// JsonPrinter against protobuf's own printer (with
// always_print_primitive_fields, as the gateway printed before): for every
// message here both must print the same JSON value, and ours must read back
// as the original message.
#include "gateway/json_printer.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "helpdesk/audit/v1/audit.pb.h"
#include "helpdesk/jobs/v1/jobs.pb.h"
#include "helpdesk/notifications/v1/notifications.pb.h"
#include "helpdesk/tickets/v1/tickets.pb.h"

namespace helpdesk::gateway {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;

std::string LibraryJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(message, &json, options)
          .ok());
  return json;
}

google::protobuf::Value AsValue(const std::string& json) {
  google::protobuf::Value value;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &value).ok())
      << json;
  return value;
}

// Ours equals the library's as a JSON value, and reads back as `message`.
void ExpectPrintsLikeProtobuf(const Message& message) {
  ASSERT_TRUE(JsonPrinter::CanPrint(message.GetDescriptor()));
  std::string ours;
  ASSERT_TRUE(JsonPrinter::Print(message, &ours));
  const std::string theirs = LibraryJson(message);
  EXPECT_TRUE(MessageDifferencer::Equals(AsValue(ours), AsValue(theirs)))
      << "ours:   " << ours << "\ntheirs: " << theirs;
  std::unique_ptr<Message> back(message.New());
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(ours, back.get()).ok())
      << ours;
  EXPECT_TRUE(MessageDifferencer::Equals(*back, message)) << ours;
}

google::protobuf::Timestamp At(int64_t seconds, int32_t nanos) {
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(seconds);
  timestamp.set_nanos(nanos);
  return timestamp;
}

tickets::v1::Ticket FullTicket() {
  tickets::v1::Ticket ticket;
  ticket.set_id(9'007'199'254'740'993);  // beyond a double's integers
  ticket.set_requester_id(3);
  ticket.set_requester_name("Ünïcødé — 名前");
  ticket.set_requester_email("usera@example.com");
  ticket.set_title("Quotes \" backslash \\ <script>&</script>");
  ticket.set_body("line\nbreak\ttab\rreturn\b\f\x01\x1f\x7f end");
  ticket.set_status(tickets::v1::Ticket::IN_PROGRESS);
  ticket.set_assignee_id(1);
  ticket.set_assignee_name("Admin A");
  *ticket.mutable_create_time() = At(1'700'000'000, 0);
  *ticket.mutable_update_time() = At(1'700'000'001, 500'000'000);
  *ticket.mutable_escalate_time() = At(1'700'000'002, 123'456'789);
  tickets::v1::Note* note = ticket.add_notes();
  note->set_id(7);
  note->set_ticket_id(ticket.id());
  note->set_author_id(1);
  note->set_body("internal");
  *note->mutable_create_time() = At(1'700'000'003, 1'000);
  ticket.add_notes();  // all defaults
  return ticket;
}

TEST(JsonPrinterTest, DefaultMessagePrintsItsPrimitivesOnly) {
  ExpectPrintsLikeProtobuf(tickets::v1::Ticket());
  std::string json;
  JsonPrinter::Print(tickets::v1::Ticket(), &json);
  EXPECT_THAT(json, ::testing::HasSubstr(R"("id":"0")"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"("status":"STATUS_UNSPECIFIED")"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"("notes":[])"));
  EXPECT_THAT(json, ::testing::Not(::testing::HasSubstr("createTime")));
}

TEST(JsonPrinterTest, TicketWithEveryFieldAndEscapes) {
  ExpectPrintsLikeProtobuf(FullTicket());
  std::string json;
  JsonPrinter::Print(FullTicket(), &json);
  EXPECT_THAT(json, ::testing::HasSubstr(R"("id":"9007199254740993")"));
  EXPECT_THAT(
      json, ::testing::HasSubstr(R"("updateTime":"2023-11-14T22:13:21.500Z")"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"(.123456789Z")"));
  EXPECT_THAT(json, ::testing::HasSubstr(R"(.000001Z")"));
}

TEST(JsonPrinterTest, TimestampsAcrossTheWholeRange) {
  for (const auto& [seconds, nanos] : std::vector<std::pair<int64_t, int32_t>>{
           {-62'135'596'800, 0},            // 0001-01-01T00:00:00Z
           {253'402'300'799, 999'999'999},  // 9999-12-31T23:59:59.999999999Z
           {-1, 0},                         // 1969-12-31T23:59:59Z
           {951'782'400, 0},                // 2000-02-29
           {1'709'164'800, 10'000'000},     // 2024-02-29T00:00:00.010Z
           {4'107'542'399, 0}}) {           // 2100-02-28T23:59:59Z
    ExpectPrintsLikeProtobuf(At(seconds, nanos));
  }
}

TEST(JsonPrinterTest, PageOfTickets) {
  tickets::v1::ListTicketsResponse page;
  for (int i = 0; i < 3; ++i) *page.add_tickets() = FullTicket();
  page.set_next_page_token("opaque+/=");
  page.set_total_size(12345);
  ExpectPrintsLikeProtobuf(page);
}

TEST(JsonPrinterTest, UnknownEnumNumberPrintsAsNumber) {
  tickets::v1::Ticket ticket;
  ticket.set_status(static_cast<tickets::v1::Ticket::Status>(42));
  std::string json;
  JsonPrinter::Print(ticket, &json);
  EXPECT_THAT(json, ::testing::HasSubstr(R"("status":42)"));
  EXPECT_TRUE(
      MessageDifferencer::Equals(AsValue(json), AsValue(LibraryJson(ticket))));
}

TEST(JsonPrinterTest, AuditEventWithStructSnapshots) {
  audit::v1::AuditEvent event;
  event.set_id(1);
  event.set_event_key("ticket:1:created");
  event.set_actor_id(3);
  event.set_action("ticket.status_changed");
  event.set_entity_type("ticket");
  event.set_entity_id(1);
  auto& before = *event.mutable_before()->mutable_fields();
  before["status"].set_string_value("OPEN");
  before["count"].set_number_value(3);
  before["ratio"].set_number_value(0.1);
  before["big"].set_number_value(1e21);
  before["tiny"].set_number_value(-2.5e-7);
  before["flag"].set_bool_value(true);
  before["nothing"].set_null_value(google::protobuf::NULL_VALUE);
  auto* list = before["tags"].mutable_list_value();
  list->add_values()->set_string_value("a\"b");
  list->add_values()->set_number_value(2);
  (*list->add_values()->mutable_struct_value()->mutable_fields())["x"]
      .set_bool_value(false);
  (*event.mutable_after()->mutable_fields())["status"].set_string_value(
      "IN_PROGRESS");
  *event.mutable_create_time() = At(0, 0);
  ExpectPrintsLikeProtobuf(event);

  audit::v1::ListAuditEventsResponse page;
  *page.add_audit_events() = event;
  page.add_audit_events();
  ExpectPrintsLikeProtobuf(page);
}

TEST(JsonPrinterTest, FieldMaskAndDurationInTheirJsonForms) {
  tickets::v1::UpdateTicketRequest update;
  update.mutable_ticket()->set_id(5);
  update.mutable_update_mask()->add_paths("title");
  update.mutable_update_mask()->add_paths("assignee_name");
  ExpectPrintsLikeProtobuf(update);
  std::string json;
  JsonPrinter::Print(update, &json);
  EXPECT_THAT(json,
              ::testing::HasSubstr(R"("updateMask":"title,assigneeName")"));

  google::protobuf::Duration duration;
  duration.set_seconds(-90);
  duration.set_nanos(-500'000'000);
  ExpectPrintsLikeProtobuf(duration);
  duration.set_seconds(86400);
  duration.set_nanos(0);
  ExpectPrintsLikeProtobuf(duration);
}

TEST(JsonPrinterTest, NotificationsPage) {
  notifications::v1::ListNotificationsResponse page;
  notifications::v1::Notification* notification = page.add_notifications();
  notification->set_id(1);
  notification->set_user_id(3);
  notification->set_subject("Ticket #1 assigned");
  *notification->mutable_create_time() = At(1'700'000'000, 0);
  ExpectPrintsLikeProtobuf(page);
}

TEST(JsonPrinterTest, WatchEventsWithEitherMemberOfTheOneof) {
  notifications::v1::WatchNotificationsResponse heartbeat;
  heartbeat.mutable_heartbeat();
  heartbeat.set_unread_count(3);
  ExpectPrintsLikeProtobuf(heartbeat);
  notifications::v1::WatchNotificationsResponse event;
  event.mutable_notification()->set_id(9);
  event.mutable_notification()->set_subject("Ticket #9 assigned to you");
  event.set_unread_count(4);
  ExpectPrintsLikeProtobuf(event);
  ExpectPrintsLikeProtobuf(notifications::v1::WatchNotificationsResponse());
}

TEST(JsonPrinterTest, RefusesTimestampsAndDurationsWithoutAJsonForm) {
  std::string json;
  EXPECT_FALSE(JsonPrinter::Print(At(253'402'300'800, 0), &json));  // 10000
  EXPECT_FALSE(JsonPrinter::Print(At(0, -1), &json));
  EXPECT_FALSE(JsonPrinter::Print(At(0, 1'500'000'000), &json));
  google::protobuf::Duration mixed;
  mixed.set_seconds(-1);
  mixed.set_nanos(5);
  EXPECT_FALSE(JsonPrinter::Print(mixed, &json));
  // As protobuf's printer, which refuses them as well (as INTERNAL).
  std::string theirs;
  google::protobuf::util::JsonPrintOptions options;
  EXPECT_EQ(google::protobuf::util::MessageToJsonString(At(253'402'300'800, 0),
                                                        &theirs, options)
                .code(),
            google::protobuf::util::StatusCode::kInternal);
  tickets::v1::Ticket ticket;
  *ticket.mutable_create_time() = At(0, -1);
  EXPECT_FALSE(JsonPrinter::Print(ticket, &json));
}

TEST(JsonPrinterTest, LeavesAnyToProtobuf) {
  EXPECT_FALSE(JsonPrinter::CanPrint(jobs::v1::Job::descriptor()));
  EXPECT_FALSE(JsonPrinter::CanPrint(jobs::v1::ListJobsResponse::descriptor()));
  EXPECT_TRUE(
      JsonPrinter::CanPrint(tickets::v1::ListTicketsResponse::descriptor()));
}

}  // namespace
}  // namespace helpdesk::gateway
