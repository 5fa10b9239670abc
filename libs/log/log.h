#ifndef HELPDESK_LIBS_LOG_LOG_H_
#define HELPDESK_LIBS_LOG_LOG_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace helpdesk {

// Structured one-line logs in logfmt (`key=value`, values quoted when
// needed), written to stderr through spdlog so stdout stays free for the
// `grpc_port=N` lines scripts read:
//
//   ts=2026-11-25T13:53:19.120Z level=info service=auth event=rpc
//     method=/helpdesk.auth.v1.AuthService/Login code=OK ms=3.1 rid=7f3a...
//
// Never log secrets (passwords, tokens). Thread-safe.

using LogField = std::pair<absl::string_view, absl::string_view>;

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Sets the `service` name stamped on every line and the minimum level.
void InitLogging(absl::string_view service,
                 LogLevel min_level = LogLevel::kInfo);

void Log(LogLevel level, absl::string_view event,
         std::initializer_list<LogField> fields = {});

inline void LogInfo(absl::string_view event,
                    std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kInfo, event, fields);
}
inline void LogWarning(absl::string_view event,
                       std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kWarning, event, fields);
}
inline void LogError(absl::string_view event,
                     std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kError, event, fields);
}

// The part of a line after the timestamp and level: `event=... k=v ...`.
// Exposed for tests.
std::string FormatLogFields(absl::string_view event,
                            std::initializer_list<LogField> fields);

}  // namespace helpdesk

#endif  // HELPDESK_LIBS_LOG_LOG_H_
