#include "libs/proto/time.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace helpdesk {
namespace {

TEST(ProtoTimeTest, RoundTripsAtMicrosecondPrecision) {
  const absl::Time time =
      absl::FromUnixSeconds(1'800'000'000) + absl::Microseconds(123'456);
  const google::protobuf::Timestamp timestamp = ToTimestamp(time);
  EXPECT_EQ(timestamp.seconds(), 1'800'000'000);
  EXPECT_EQ(timestamp.nanos(), 123'456'000);
  EXPECT_EQ(FromTimestamp(timestamp), time);
}

TEST(ProtoTimeTest, UnsetTimestampIsTheEpoch) {
  EXPECT_EQ(FromTimestamp(google::protobuf::Timestamp()), absl::UnixEpoch());
}

}  // namespace
}  // namespace helpdesk
