#include "gateway/sse.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace helpdesk::gateway {
namespace {

TEST(SseTest, OneLinePayloadIsOneDataLine) {
  EXPECT_EQ(SseEvent(R"({"unreadCount":"2"})"),
            "data: {\"unreadCount\":\"2\"}\n\n");
}

TEST(SseTest, EachPayloadLineGetsItsOwnDataLine) {
  EXPECT_EQ(SseEvent("a\nb\r\nc"), "data: a\ndata: b\ndata: c\n\n");
}

TEST(SseTest, NamedEvent) {
  EXPECT_EQ(SseEvent("{}", "status"), "event: status\ndata: {}\n\n");
}

TEST(SseTest, EventNamesCannotBreakTheFraming) {
  EXPECT_EQ(SseEvent("x", "a\nb"), "event: a b\ndata: x\n\n");
}

TEST(SseTest, EmptyPayloadIsStillAnEvent) {
  EXPECT_EQ(SseEvent(""), "data: \n\n");
}

TEST(SseTest, CommentsAndRetry) {
  EXPECT_EQ(SseComment("keep-alive"), ": keep-alive\n\n");
  EXPECT_EQ(SseComment("a\nb"), ": a b\n\n");
  EXPECT_EQ(SseRetry(absl::Seconds(3)), "retry: 3000\n\n");
}

}  // namespace
}  // namespace helpdesk::gateway
