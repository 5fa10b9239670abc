#ifndef HELPDESK_LIBS_PROTO_TIME_H_
#define HELPDESK_LIBS_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace helpdesk {

// absl::Time <-> google.protobuf.Timestamp, at microsecond precision (what
// the stores keep).
google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace helpdesk

#endif  // HELPDESK_LIBS_PROTO_TIME_H_
