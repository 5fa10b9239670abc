// libFuzzer target: the gateway's HTTP request path.
//
// The input is what a client sends on one connection. It is read as
// HttpServer reads it (ParseHttpRequest: Beast's parser with the server's
// limits; keep-alive requests one after another), and every request goes
// through the real RequestHandler: health, readiness, the web console's
// files, CORS preflight, routing (404/405), the session cookie and CSRF
// rule, transcoding, up to the backend call, which finds no backend (503).
//
// Checked beyond "no crash": each request gets exactly one answer,
// synchronously; the answer's status is a valid one; its header names are
// tokens and no header value holds CR, LF or NUL (no response splitting);
// every answer carries X-Request-Id (the client's when acceptable); API
// errors are a google.rpc.Status JSON object in valid UTF-8 (whatever bytes
// the request's path or query held); a refused request is answered
// with the status the server chose; a parsed request written out again
// parses to the same method, target, headers and body; and protobuf never
// logs an error (protobuf_errors.h).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/backends.h"
#include "gateway/helpdesk_protos.h"
#include "gateway/http_message.h"
#include "gateway/http_server.h"
#include "gateway/origin_policy.h"
#include "gateway/request_handler.h"
#include "gateway/route_table.h"
#include "gateway/static_files.h"
#include "gateway/web_console_files_gen.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "libs/log/log.h"
#include "libs/text/utf8.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/protobuf_errors.h"

namespace helpdesk::gateway {
namespace {

// Records the answers of one request; the handler answers synchronously
// when no backend is configured.
class RecordingExchange final : public HttpExchange {
 public:
  void Respond(HttpResponse response) override {
    responses.push_back(std::move(response));
  }
  void StartStream(HttpResponse head, std::string, absl::Duration,
                   std::function<void()>) override {
    streams.push_back(std::move(head));
  }
  void WriteStream(std::string, std::function<void(bool)> on_written) override {
    if (on_written) on_written(false);
  }
  void FinishStream() override {}

  std::vector<HttpResponse> responses;
  std::vector<HttpResponse> streams;
};

// The gateway as Gateway::Start assembles it, without the server and with
// no backends.
struct FuzzGateway {
  FuzzGateway() {
    InitLogging("fuzz", LogLevel::kError);  // one access-log line per request
    fuzz::AbortOnProtobufErrors();
    auto built =
        RouteTable::Build(*HelpdeskGeneratedPool(), HelpdeskServices());
    FUZZ_CHECK(built.ok());
    routes = std::move(*built);
    std::vector<StaticFiles::File> files;
    for (const web::EmbeddedFile& file : web::EmbeddedFiles()) {
      files.push_back({{file.path.data(), file.path.size()},
                       {file.bytes.data(), file.bytes.size()}});
    }
    static_files = std::make_unique<StaticFiles>(files);
    HandlerConfig config;
    config.routes = routes.get();
    config.message_factory =
        google::protobuf::MessageFactory::generated_factory();
    config.backends = &backends;
    config.origins = &origins;
    config.static_files = static_files.get();
    const auto* pool = HelpdeskGeneratedPool();
    config.session.login =
        pool->FindMethodByName("helpdesk.auth.v1.AuthService.Login");
    FUZZ_CHECK(config.session.login != nullptr);
    config.session.token_field =
        config.session.login->output_type()->FindFieldByName("session_token");
    config.session.expire_time_field =
        config.session.login->output_type()->FindFieldByName("expire_time");
    config.session.logout =
        pool->FindMethodByName("helpdesk.auth.v1.AuthService.Logout");
    config.service_token = "fuzz-service-token";
    config.trusted_proxies = 1;
    handler = std::make_unique<RequestHandler>(std::move(config));
  }

  std::unique_ptr<RouteTable> routes;
  OriginPolicy origins{{"https://console.example.com"}};
  std::unique_ptr<StaticFiles> static_files;
  Backends backends{{}};
  std::unique_ptr<RequestHandler> handler;
};

// Small limits, so that inputs of a few kilobytes reach 413 and 431.
HttpServerOptions Limits() {
  HttpServerOptions options;
  options.max_header_bytes = 2048;
  options.max_body_bytes = 2048;
  return options;
}

bool IsToken(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        !absl::StrContains("!#$%&'*+-.^_`|~", c)) {
      return false;
    }
  }
  return true;
}

bool IsValidFieldValue(absl::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// As the handler's rule: 1 to 64 printable ASCII characters.
bool IsAcceptableRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::optional<absl::string_view> FindHeader(const HttpResponse& response,
                                            absl::string_view name) {
  for (const HttpHeader& header : response.headers) {
    if (absl::EqualsIgnoreCase(header.name, name)) return header.value;
  }
  return std::nullopt;
}

// A google.rpc.Status as JSON: {"code": n, "message": "...", ...}, in
// UTF-8 as JSON must be.
void CheckStatusJson(const std::string& body) {
  FUZZ_CHECK(text::CodePointCount(body).has_value());
  google::protobuf::Struct object;
  FUZZ_CHECK(google::protobuf::util::JsonStringToMessage(body, &object).ok());
  FUZZ_CHECK(object.fields().contains("code"));
  FUZZ_CHECK(object.fields().at("code").has_number_value());
  FUZZ_CHECK(object.fields().contains("message"));
  FUZZ_CHECK(object.fields().at("message").has_string_value());
}

void CheckResponse(const HttpResponse& response) {
  FUZZ_CHECK(response.status >= 200 && response.status <= 599);
  for (const HttpHeader& header : response.headers) {
    FUZZ_CHECK(IsToken(header.name));
    FUZZ_CHECK(IsValidFieldValue(header.value));
  }
}

// The request written out again (framed by Content-Length).
std::string Rewrite(const HttpRequest& request) {
  std::string out =
      absl::StrCat(request.method, " ", request.target, " HTTP/1.1\r\n");
  for (const HttpHeader& header : request.headers) {
    if (header.name == "content-length" || header.name == "transfer-encoding") {
      continue;
    }
    absl::StrAppend(&out, header.name, ": ", header.value, "\r\n");
  }
  absl::StrAppend(&out, "content-length: ", request.body.size(), "\r\n\r\n",
                  request.body);
  return out;
}

void CheckRewriteParsesTheSame(const HttpRequest& request,
                               const HttpServerOptions& options) {
  const std::string rewritten = Rewrite(request);
  HttpServerOptions roomy = options;  // "a:b" became "a: b", and so on
  roomy.max_header_bytes = rewritten.size();
  ParsedHttpRequest again = ParseHttpRequest(rewritten, roomy);
  if (again.outcome != ParsedHttpRequest::Outcome::kRequest) {
    std::fprintf(stderr, "the rewritten request is refused: %d %s\n",
                 again.refusal_status, again.refusal_reason.c_str());
  }
  FUZZ_CHECK(again.outcome == ParsedHttpRequest::Outcome::kRequest);
  FUZZ_CHECK(again.request.method == request.method);
  FUZZ_CHECK(again.request.target == request.target);
  FUZZ_CHECK(again.request.body == request.body);
  std::vector<HttpHeader> expected;
  for (const HttpHeader& header : request.headers) {
    if (header.name != "content-length" && header.name != "transfer-encoding") {
      expected.push_back(header);
    }
  }
  size_t i = 0;
  for (const HttpHeader& header : again.request.headers) {
    if (header.name == "content-length") continue;
    FUZZ_CHECK(i < expected.size());
    FUZZ_CHECK(header.name == expected[i].name);
    FUZZ_CHECK(header.value == expected[i].value);
    ++i;
  }
  FUZZ_CHECK(i == expected.size());
}

}  // namespace
}  // namespace helpdesk::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace helpdesk::gateway;  // NOLINT
  static FuzzGateway* gateway = new FuzzGateway();
  static const HttpServerOptions options = Limits();

  absl::string_view input(reinterpret_cast<const char*>(data), size);
  while (true) {
    ParsedHttpRequest parsed = ParseHttpRequest(input, options, "192.0.2.7");
    if (parsed.outcome == ParsedHttpRequest::Outcome::kClosed) break;
    if (parsed.outcome == ParsedHttpRequest::Outcome::kRefused) {
      FUZZ_CHECK(parsed.refusal_status == 400 || parsed.refusal_status == 413 ||
                 parsed.refusal_status == 431 || parsed.refusal_status == 501);
      HttpResponse response = gateway->handler->Refuse(parsed.refusal_status,
                                                       parsed.refusal_reason);
      CheckResponse(response);
      FUZZ_CHECK(response.status == parsed.refusal_status);
      CheckStatusJson(response.body);
      break;  // the connection closes
    }
    const HttpRequest& request = parsed.request;
    FUZZ_CHECK(parsed.consumed > 0 && parsed.consumed <= input.size());
    FUZZ_CHECK(!request.method.empty());
    for (const HttpHeader& header : request.headers) {
      FUZZ_CHECK(header.name == absl::AsciiStrToLower(header.name));
      FUZZ_CHECK(IsToken(header.name));
      FUZZ_CHECK(IsValidFieldValue(header.value));
    }
    CheckRewriteParsesTheSame(request, options);

    auto exchange = std::make_shared<RecordingExchange>();
    gateway->handler->Handle(request, exchange);
    FUZZ_CHECK(exchange->streams.empty());
    FUZZ_CHECK(exchange->responses.size() == 1);
    const HttpResponse& response = exchange->responses.front();
    CheckResponse(response);
    std::optional<absl::string_view> id = FindHeader(response, "X-Request-Id");
    FUZZ_CHECK(id.has_value() && !id->empty());
    std::optional<absl::string_view> sent_id = request.Header("x-request-id");
    if (sent_id.has_value() && IsAcceptableRequestId(*sent_id)) {
      FUZZ_CHECK(*id == *sent_id);
    }
    if (OriginPolicy::IsPreflight(request)) {
      FUZZ_CHECK(response.status == 204 || response.status == 403);
    } else if (absl::StartsWith(request.path(), "/v1/")) {
      FUZZ_CHECK(response.status >= 400);  // no backend answers
      CheckStatusJson(response.body);
    }
    if (!parsed.keep_alive || response.close_connection) break;
    input.remove_prefix(parsed.consumed);
  }
  return 0;
}
