#include "services/jobs/job_validation.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/time_util.h"
#include "libs/proto/time.h"
#include "libs/status/error_details.h"
#include "libs/text/utf8.h"
#include "services/jobs/job_types.h"

namespace helpdesk::jobs {
namespace {

using ::google::protobuf::util::TimeUtil;

constexpr size_t kMaxTypeLength = 100;
constexpr size_t kMaxDedupeKeyLength = 200;

bool IsTypeCharacter(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

absl::StatusOr<JobRecord> ValidateEnqueueRequest(
    const ::helpdesk::jobs::v1::EnqueueJobRequest& request,
    int default_max_attempts, absl::Time now) {
  std::vector<FieldViolation> violations;
  const std::string& type = request.type();
  if (type.empty()) {
    violations.push_back({"type", "is required"});
  } else if (type.size() > kMaxTypeLength ||
             !std::all_of(type.begin(), type.end(), IsTypeCharacter)) {
    violations.push_back(
        {"type", "must be up to 100 characters of a-z, 0-9, '.', '_', '-'"});
  }
  if (!request.has_payload() || request.payload().type_url().empty()) {
    violations.push_back({"payload", "is required"});
  } else if (IsKnownJobType(type)) {
    absl::Status payload = CheckPayload(type, request.payload());
    if (!payload.ok()) {
      violations.push_back({"payload", std::string(payload.message())});
    }
  }
  std::optional<size_t> key_length = text::CodePointCount(request.dedupe_key());
  if (!key_length.has_value() ||
      text::HasControlCharacters(request.dedupe_key(), false)) {
    violations.push_back({"dedupe_key", "contains invalid characters"});
  } else if (*key_length == 0 || *key_length > kMaxDedupeKeyLength) {
    violations.push_back({"dedupe_key", "must be 1 to 200 characters"});
  }
  if (request.max_attempts() < 0) {
    violations.push_back({"max_attempts", "must not be negative"});
  }
  if (request.has_run_time() &&
      (request.run_time().seconds() < TimeUtil::kTimestampMinSeconds ||
       request.run_time().seconds() > TimeUtil::kTimestampMaxSeconds ||
       request.run_time().nanos() < 0 ||
       request.run_time().nanos() > 999'999'999)) {
    violations.push_back({"run_time", "is not a valid timestamp"});
  }
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("the job has errors", violations);
  }

  JobRecord job;
  job.type = type;
  job.state = ::helpdesk::jobs::v1::Job::QUEUED;
  job.max_attempts = request.max_attempts() == 0
                         ? default_max_attempts
                         : std::min(request.max_attempts(), kMaxMaxAttempts);
  job.run_time =
      request.has_run_time() ? FromTimestamp(request.run_time()) : now;
  job.dedupe_key = request.dedupe_key();
  job.payload = request.payload().SerializeAsString();
  job.create_time = now;
  job.update_time = now;
  return job;
}

}  // namespace helpdesk::jobs
