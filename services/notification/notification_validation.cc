#include "services/notification/notification_validation.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/status/error_details.h"
#include "libs/text/utf8.h"

namespace helpdesk::notification {
namespace {

constexpr size_t kMaxSubjectLength = 200;
constexpr size_t kMaxMessageLength = 2000;

std::string CheckText(absl::string_view raw, absl::string_view field,
                      size_t max_length, bool allow_newlines,
                      std::vector<FieldViolation>* violations) {
  const std::string path = absl::StrCat("notification.", field);
  absl::string_view text = absl::StripAsciiWhitespace(raw);
  std::optional<size_t> length = text::CodePointCount(text);
  if (!length.has_value()) {
    violations->push_back({path, "is not valid UTF-8"});
  } else if (*length == 0) {
    violations->push_back({path, "is required"});
  } else if (*length > max_length) {
    violations->push_back(
        {path, absl::StrCat("must be at most ", max_length, " characters")});
  } else if (text::HasControlCharacters(text, allow_newlines)) {
    violations->push_back({path, "must not contain control characters"});
  }
  return std::string(text);
}

}  // namespace

absl::StatusOr<NotificationRecord> ValidateNewNotification(
    const ::helpdesk::notifications::v1::Notification& notification) {
  std::vector<FieldViolation> violations;
  if (notification.user_id() <= 0) {
    violations.push_back({"notification.user_id", "must be a user id"});
  }
  if (notification.source_job_id() <= 0) {
    violations.push_back({"notification.source_job_id", "must be a job id"});
  }
  if (notification.ticket_id() < 0) {
    violations.push_back(
        {"notification.ticket_id", "must be a ticket id, or 0 for none"});
  }
  NotificationRecord record;
  record.subject = CheckText(notification.subject(), "subject",
                             kMaxSubjectLength, false, &violations);
  record.message = CheckText(notification.message(), "message",
                             kMaxMessageLength, true, &violations);
  if (!violations.empty()) {
    return InvalidArgumentWithViolations("the notification has errors",
                                         violations);
  }
  record.user_id = notification.user_id();
  record.ticket_id = notification.ticket_id();
  record.source_job_id = notification.source_job_id();
  return record;
}

}  // namespace helpdesk::notification
