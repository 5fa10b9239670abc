#ifndef HELPDESK_TESTS_FUZZ_PROTOBUF_ERRORS_H_
#define HELPDESK_TESTS_FUZZ_PROTOBUF_ERRORS_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "google/protobuf/stubs/logging.h"

namespace helpdesk::fuzz {

// protobuf logs an ERROR and carries on, for example, when a string field
// holds invalid UTF-8 (a client's bytes quoted in an error message): a line
// a client could make the server write at will, outside our own log format.
// For a fuzz target that is a failure like any other.
inline void AbortOnProtobufErrors() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level,
                                     const char* file, int line,
                                     const std::string& message) {
    if (level < google::protobuf::LOGLEVEL_ERROR) return;
    std::fprintf(stderr, "protobuf error at %s:%d: %s\n", file, line,
                 message.c_str());
    std::abort();
  });
}

}  // namespace helpdesk::fuzz

#endif  // HELPDESK_TESTS_FUZZ_PROTOBUF_ERRORS_H_
