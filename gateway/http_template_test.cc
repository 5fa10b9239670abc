#include "gateway/http_template.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::gateway {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;
using Kind = HttpTemplate::SegmentKind;

TEST(HttpTemplateTest, LiteralsAndAVariable) {
  auto parsed = ParseHttpTemplate("/v1/tickets/{id}");
  ASSERT_THAT(parsed, IsOk());
  ASSERT_EQ(parsed->segments.size(), 3u);
  EXPECT_EQ(parsed->segments[0].kind, Kind::kLiteral);
  EXPECT_EQ(parsed->segments[0].literal, "v1");
  EXPECT_EQ(parsed->segments[2].kind, Kind::kSingle);
  ASSERT_EQ(parsed->variables.size(), 1u);
  EXPECT_THAT(parsed->variables[0].field_path, ElementsAre("id"));
  EXPECT_EQ(parsed->variables[0].first_segment, 2);
  EXPECT_EQ(parsed->variables[0].end_segment, 3);
  EXPECT_EQ(parsed->verb, "");
}

TEST(HttpTemplateTest, NestedFieldPath) {
  auto parsed = ParseHttpTemplate("/v1/tickets/{ticket.id}");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_THAT(parsed->variables[0].field_path, ElementsAre("ticket", "id"));
}

TEST(HttpTemplateTest, CustomVerb) {
  auto parsed = ParseHttpTemplate("/v1/tickets/{id}:assign");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->verb, "assign");
  EXPECT_EQ(parsed->Shape(), "/v1/tickets/*:assign");
  auto collection = ParseHttpTemplate("/v1/notifications:unreadCount");
  ASSERT_THAT(collection, IsOk());
  EXPECT_EQ(collection->segments.size(), 2u);
  EXPECT_EQ(collection->verb, "unreadCount");
}

TEST(HttpTemplateTest, VariableWithSubTemplate) {
  auto parsed = ParseHttpTemplate("/v1/{name=shelves/*/books/*}:read");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->segments.size(), 5u);
  EXPECT_EQ(parsed->variables[0].first_segment, 1);
  EXPECT_EQ(parsed->variables[0].end_segment, 5);
  EXPECT_EQ(parsed->verb, "read");
  EXPECT_EQ(parsed->Shape(), "/v1/shelves/*/books/*:read");
}

TEST(HttpTemplateTest, MultiSegmentWildcardLast) {
  auto parsed = ParseHttpTemplate("/v1/{path=**}");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->segments.back().kind, Kind::kMulti);
  EXPECT_EQ(parsed->Shape(), "/v1/**");
}

TEST(HttpTemplateTest, ShapeIgnoresVariableNames) {
  EXPECT_EQ(ParseHttpTemplate("/v1/x/{a}")->Shape(),
            ParseHttpTemplate("/v1/x/{b.c}")->Shape());
}

TEST(HttpTemplateTest, MalformedTemplatesAreRejected) {
  for (const char* text : {"", "v1/x", "/v1//x", "/v1/{id", "/v1/{}",
                           "/v1/{1x}", "/v1/x:", "/v1/**/x", "/v1/{a={b}}",
                           "/v1/{a}/{a}", "/v1/x*y", "/v1/x}"}) {
    SCOPED_TRACE(text);
    EXPECT_THAT(ParseHttpTemplate(text),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

}  // namespace
}  // namespace helpdesk::gateway
