#ifndef HELPDESK_GATEWAY_TESTING_HTTP_CLIENT_H_
#define HELPDESK_GATEWAY_TESTING_HTTP_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace helpdesk::gateway::testing {

struct TestResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case
  std::string body;

  std::optional<std::string> Header(absl::string_view name) const;
  std::vector<std::string> Headers(absl::string_view name) const;
};

// A real HTTP/1.1 client over one TCP connection (Boost.Beast), for tests:
// requests go out one after another on the same connection (keep-alive)
// until the server closes it. Every wait is bounded by `timeout`. Not
// thread-safe.
class TestHttpClient final {
 public:
  // Connects to 127.0.0.1:`port`, from `source_address` (e.g. "127.0.0.2":
  // all of 127.0.0.0/8 is loopback) when given. Throws if it cannot.
  explicit TestHttpClient(int port, absl::Duration timeout = absl::Seconds(10),
                          const std::string& source_address = "");
  ~TestHttpClient();

  // Sends a request (headers as name/value pairs) and reads the response.
  absl::StatusOr<TestResponse> Send(
      const std::string& method, const std::string& target,
      const std::string& body = "",
      const std::vector<std::pair<std::string, std::string>>& headers = {});

  // Writes `bytes` as they are (malformed or partial requests).
  absl::Status SendRaw(const std::string& bytes);

  // Reads one response.
  absl::StatusOr<TestResponse> ReadResponse();

  // Streams: reads the response head, then the body as it arrives.
  absl::StatusOr<TestResponse> ReadStreamHead();
  // Reads body bytes until the body read so far contains `needle`; the body
  // so far (cumulative).
  absl::StatusOr<std::string> ReadStreamUntil(absl::string_view needle);

  // True when the server closes the connection within `wait`.
  bool ClosedByServer(absl::Duration wait);

  // Closes the connection from this side.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace helpdesk::gateway::testing

#endif  // HELPDESK_GATEWAY_TESTING_HTTP_CLIENT_H_
