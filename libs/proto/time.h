#ifndef HELPDESK_LIBS_PROTO_TIME_H_
#define HELPDESK_LIBS_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace helpdesk {

// absl::Time <-> google.protobuf.Timestamp, at microsecond precision (what
// the stores keep).
google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

// Whether `timestamp` is a valid google.protobuf.Timestamp: 0001-01-01 to
// 9999-12-31 (UTC), nanos in [0, 999 999 999]. Check every Timestamp a
// client sends before FromTimestamp; an invalid one is INVALID_ARGUMENT.
bool IsValidTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace helpdesk

#endif  // HELPDESK_LIBS_PROTO_TIME_H_
