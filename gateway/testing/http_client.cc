#include "gateway/testing/http_client.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"

namespace helpdesk::gateway::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::optional<std::string> TestResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::vector<std::string> TestResponse::Headers(absl::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (key == name) values.push_back(value);
  }
  return values;
}

struct TestHttpClient::Impl {
  asio::io_context context;
  tcp::socket socket{context};
  beast::flat_buffer buffer;
  absl::Duration timeout;
  std::optional<http::response_parser<http::string_body>> stream_parser;

  // Runs the queued asynchronous operation to completion or until the
  // timeout, which cancels it.
  bool Run() {
    context.restart();
    context.run_for(absl::ToChronoNanoseconds(timeout));
    if (context.stopped()) return true;
    beast::error_code ignored;
    socket.cancel(ignored);
    context.restart();
    context.run();
    return false;
  }

  template <typename Body>
  static TestResponse Convert(http::response<Body>& message) {
    TestResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(
          absl::AsciiStrToLower(std::string(field.name_string())),
          std::string(field.value()));
    }
    return response;
  }
};

TestHttpClient::TestHttpClient(int port, absl::Duration timeout,
                               const std::string& source_address)
    : impl_(std::make_unique<Impl>()) {
  impl_->timeout = timeout;
  if (!source_address.empty()) {
    impl_->socket.open(tcp::v4());
    impl_->socket.bind(
        tcp::endpoint(asio::ip::make_address(source_address), 0));
  }
  impl_->socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                      static_cast<unsigned short>(port)));
}

TestHttpClient::~TestHttpClient() { Close(); }

absl::StatusOr<TestResponse> TestHttpClient::Send(
    const std::string& method, const std::string& target,
    const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = body;
  if (!body.empty() || method == "POST" || method == "PATCH" ||
      method == "PUT") {
    request.prepare_payload();
  }
  beast::error_code error;
  http::async_write(impl_->socket, request,
                    [&](beast::error_code ec, size_t) { error = ec; });
  if (!impl_->Run()) return absl::DeadlineExceededError("write timed out");
  if (error) return absl::UnavailableError(error.message());
  return ReadResponse();
}

absl::Status TestHttpClient::SendRaw(const std::string& bytes) {
  beast::error_code error;
  asio::async_write(impl_->socket, asio::buffer(bytes),
                    [&](beast::error_code ec, size_t) { error = ec; });
  if (!impl_->Run()) return absl::DeadlineExceededError("write timed out");
  if (error) return absl::UnavailableError(error.message());
  return absl::OkStatus();
}

absl::StatusOr<TestResponse> TestHttpClient::ReadResponse() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  beast::error_code error;
  http::async_read(impl_->socket, impl_->buffer, parser,
                   [&](beast::error_code ec, size_t) { error = ec; });
  if (!impl_->Run()) return absl::DeadlineExceededError("read timed out");
  if (error) return absl::UnavailableError(error.message());
  http::response<http::string_body> message = parser.release();
  TestResponse response = Impl::Convert(message);
  response.body = std::move(message.body());
  return response;
}

absl::StatusOr<TestResponse> TestHttpClient::ReadStreamHead() {
  impl_->stream_parser.emplace();
  impl_->stream_parser->body_limit(64 << 20);
  beast::error_code error;
  http::async_read_header(impl_->socket, impl_->buffer, *impl_->stream_parser,
                          [&](beast::error_code ec, size_t) { error = ec; });
  if (!impl_->Run()) return absl::DeadlineExceededError("read timed out");
  if (error) return absl::UnavailableError(error.message());
  return Impl::Convert(impl_->stream_parser->get());
}

absl::StatusOr<std::string> TestHttpClient::ReadStreamUntil(
    absl::string_view needle) {
  if (!impl_->stream_parser.has_value()) {
    return absl::FailedPreconditionError("no stream head read");
  }
  const absl::Time deadline = absl::Now() + impl_->timeout;
  while (!absl::StrContains(impl_->stream_parser->get().body(), needle)) {
    if (impl_->stream_parser->is_done()) {
      return absl::NotFoundError(
          absl::StrCat("stream ended without \"", needle,
                       "\": ", impl_->stream_parser->get().body()));
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no \"", needle, "\" in: ", impl_->stream_parser->get().body()));
    }
    beast::error_code error;
    http::async_read_some(impl_->socket, impl_->buffer, *impl_->stream_parser,
                          [&](beast::error_code ec, size_t) { error = ec; });
    if (!impl_->Run()) continue;
    if (error) {
      return absl::UnavailableError(absl::StrCat(
          error.message(), " after: ", impl_->stream_parser->get().body()));
    }
  }
  return impl_->stream_parser->get().body();
}

bool TestHttpClient::ClosedByServer(absl::Duration wait) {
  const absl::Time deadline = absl::Now() + wait;
  while (absl::Now() < deadline) {
    char byte;
    beast::error_code error;
    bool done = false;
    impl_->socket.async_read_some(asio::buffer(&byte, 1),
                                  [&](beast::error_code ec, size_t) {
                                    error = ec;
                                    done = true;
                                  });
    impl_->context.restart();
    impl_->context.run_for(absl::ToChronoNanoseconds(deadline - absl::Now()));
    if (!done) {
      beast::error_code ignored;
      impl_->socket.cancel(ignored);
      impl_->context.restart();
      impl_->context.run();
      return false;
    }
    if (error) return true;  // EOF or reset
  }
  return false;
}

void TestHttpClient::Close() {
  beast::error_code ignored;
  impl_->socket.shutdown(tcp::socket::shutdown_both, ignored);
  impl_->socket.close(ignored);
}

}  // namespace helpdesk::gateway::testing
