#include "libs/log/log.h"

#include <initializer_list>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace helpdesk {
namespace {

bool NeedsQuotes(absl::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' ||
        absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
      return true;
    }
  }
  return false;
}

void AppendValue(std::string& out, absl::string_view value) {
  if (!NeedsQuotes(value)) {
    out.append(value.data(), value.size());
    return;
  }
  out.push_back('"');
  for (char c : value) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        if (absl::ascii_iscntrl(static_cast<unsigned char>(c))) {
          out.push_back('?');
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

spdlog::logger& Logger() {
  // Created once, on first use; spdlog loggers are thread-safe ("_mt").
  static spdlog::logger* logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto* created = new spdlog::logger("helpdesk", sink);
    created->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v",
                         spdlog::pattern_time_type::utc);
    created->flush_on(spdlog::level::warn);
    return created;
  }();
  return *logger;
}

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarning:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

std::string FormatLogFields(absl::string_view event,
                            std::initializer_list<LogField> fields) {
  std::string out = "event=";
  AppendValue(out, event);
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&out, " ", key, "=");
    AppendValue(out, value);
  }
  return out;
}

void InitLogging(absl::string_view service, LogLevel min_level) {
  Logger().set_pattern(
      absl::StrCat("ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l service=", service,
                   " %v"),
      spdlog::pattern_time_type::utc);
  Logger().set_level(ToSpdlog(min_level));
}

void Log(LogLevel level, absl::string_view event,
         std::initializer_list<LogField> fields) {
  spdlog::logger& logger = Logger();
  const spdlog::level::level_enum spd_level = ToSpdlog(level);
  if (!logger.should_log(spd_level)) return;
  logger.log(spd_level, "{}", FormatLogFields(event, fields));
}

}  // namespace helpdesk
