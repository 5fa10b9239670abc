#include "libs/paging/page_token.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::paging {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;

TEST(PageTokenCodecTest, RoundTripsTheCursor) {
  PageTokenCodec codec("key");
  auto cursor =
      codec.Decode("users:role=1", codec.Encode("users:role=1", "42"));
  ASSERT_THAT(cursor, IsOk());
  EXPECT_EQ(*cursor, "42");
}

TEST(PageTokenCodecTest, TokenOfAnotherQueryIsRejected) {
  PageTokenCodec codec("key");
  EXPECT_THAT(codec.Decode("users:role=2", codec.Encode("users:role=1", "42")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageTokenCodecTest, EditedOrForgedTokensAreRejected) {
  PageTokenCodec codec("key");
  std::string token = codec.Encode("s", "42");
  token.back() = token.back() == 'A' ? 'B' : 'A';
  EXPECT_THAT(codec.Decode("s", token),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(codec.Decode("s", "not base64 !!"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(codec.Decode("s", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PageTokenCodec("other key").Decode("s", codec.Encode("s", "1")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageTokenCodecTest, KeysRoundTripIncludingNegativeOnes) {
  PageTokenCodec codec("key");
  const std::string token = codec.EncodeKeys("scope", {-1'700'000'000, 42});
  auto keys = codec.DecodeKeys("scope", token, 2);
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(*keys, (std::vector<int64_t>{-1'700'000'000, 42}));
}

TEST(PageTokenCodecTest, KeysOfAnotherShapeAreTheSameInvalidArgument) {
  PageTokenCodec codec("key");
  // Authentic tokens, but not of this listing's shape.
  for (const std::string& token :
       {codec.EncodeKeys("scope", {1}), codec.EncodeKeys("scope", {1, 2, 3}),
        codec.Encode("scope", "12:x"), codec.Encode("scope", "")}) {
    auto keys = codec.DecodeKeys("scope", token, 2);
    EXPECT_THAT(keys, StatusIs(absl::StatusCode::kInvalidArgument));
    ASSERT_TRUE(GetBadRequest(keys.status()).has_value());
    EXPECT_EQ(GetBadRequest(keys.status())->field_violations(0).field(),
              "page_token");
  }
}

TEST(PageTokenKeyTest, OneKeyPerServiceCredential) {
  EXPECT_EQ(PageTokenKey("a"), PageTokenKey("a"));
  EXPECT_NE(PageTokenKey("a"), PageTokenKey("b"));
}

TEST(EffectivePageSizeTest, DefaultsClampsAndRejectsNegative) {
  EXPECT_EQ(*EffectivePageSize(0), kDefaultPageSize);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(1'000'000), kMaxPageSize);
  EXPECT_THAT(EffectivePageSize(-1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace helpdesk::paging
