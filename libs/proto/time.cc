#include "libs/proto/time.h"

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace helpdesk {

using ::google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp));
}

bool IsValidTimestamp(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() >= TimeUtil::kTimestampMinSeconds &&
         timestamp.seconds() <= TimeUtil::kTimestampMaxSeconds &&
         timestamp.nanos() >= 0 && timestamp.nanos() <= 999'999'999;
}

}  // namespace helpdesk
