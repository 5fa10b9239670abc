#include "gateway/request_handler.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/client_address.h"
#include "gateway/error_mapping.h"
#include "gateway/session_cookie.h"
#include "gateway/sse_bridge.h"
#include "gateway/transcoder.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "libs/auth/principal.h"
#include "libs/log/log.h"
#include "libs/rpc/request_id.h"

namespace helpdesk::gateway {
namespace {

using ::google::protobuf::Message;

constexpr char kJson[] = "application/json";
constexpr char kHealthzPath[] = "/healthz";
constexpr char kReadyzPath[] = "/readyz";
// gRPC metadata values must be printable ASCII.
bool IsMetadataSafe(absl::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.AddHeader("Content-Type", kJson);
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorResponse(const HttpError& error) {
  HttpResponse response = JsonResponse(error.http_status, error.json_body);
  if (error.retry_after_seconds.has_value()) {
    response.AddHeader("Retry-After", absl::StrCat(*error.retry_after_seconds));
  }
  return response;
}

HttpResponse GatewayError(absl::StatusCode code, absl::string_view message,
                          std::optional<int> http_status = std::nullopt) {
  return ErrorResponse(
      ErrorFromStatus(absl::Status(code, message), http_status));
}

std::string TrailerValue(const grpc::ClientContext& context,
                         absl::string_view key) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find(grpc::string_ref(key.data(), key.size()));
  if (it == trailers.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

HttpResponse BackendErrorResponse(const grpc::Status& status,
                                  const grpc::ClientContext& context) {
  return ErrorResponse(
      ErrorFromGrpc(status, TrailerValue(context, "retry-after")));
}

// Exactly one Content-Type whose media type is application/json (any
// parameters, e.g. `; charset=utf-8`; case-insensitive). A body of another
// type is refused even when it would parse: HTML forms and `text/plain`
// fetches cross sites without a CORS preflight, JSON does not.
bool IsJsonContentType(const HttpRequest& request) {
  const std::vector<std::string> types = request.HeaderValues("content-type");
  if (types.size() != 1) return false;
  absl::string_view media_type = types[0];
  media_type =
      absl::StripAsciiWhitespace(media_type.substr(0, media_type.find(';')));
  return absl::EqualsIgnoreCase(media_type, kJson);
}

}  // namespace

// One request in flight: what its answer and its log line need.
struct RequestHandler::Exchange {
  std::shared_ptr<HttpExchange> http;
  const OriginPolicy* origins = nullptr;
  std::string method;
  std::string route = "-";  // the route template once matched
  std::string request_id;
  std::optional<std::string> origin;
  absl::Time start;

  // The headers every answer carries.
  void Decorate(HttpResponse* response) const {
    response->AddHeader("X-Request-Id", request_id);
    response->AddHeader("Cache-Control", "no-store");
    response->AddHeader("X-Content-Type-Options", "nosniff");
    origins->AddCorsHeaders(origin.has_value()
                                ? std::optional<absl::string_view>(*origin)
                                : std::nullopt,
                            response);
  }

  void Log(int status) const {
    LogInfo("http", {{"method", method},
                     {"route", route},
                     {"status", absl::StrCat(status)},
                     {"ms", absl::StrFormat("%.2f", absl::ToDoubleMilliseconds(
                                                        absl::Now() - start))},
                     {"rid", request_id}});
  }

  void Send(HttpResponse response) const {
    Decorate(&response);
    Log(response.status);
    http->Respond(std::move(response));
  }
};

// One unary backend call; owns itself and is deleted when the call is over.
class RequestHandler::UnaryCall final : public grpc::ClientUnaryReactor {
 public:
  // `cookie_token`: the session token when the request rode on the cookie
  // (renewed on success), else empty.
  UnaryCall(const HandlerConfig* config, const Route& route,
            std::shared_ptr<grpc::ClientContext> context,
            std::unique_ptr<Transcoder> transcoder,
            std::shared_ptr<Exchange> exchange, std::string cookie_token)
      : config_(config),
        route_(route),
        context_(std::move(context)),
        transcoder_(std::move(transcoder)),
        exchange_(std::move(exchange)),
        cookie_token_(std::move(cookie_token)) {}

  void Start(grpc::GenericStub* stub, grpc::ByteBuffer request) {
    request_ = std::move(request);
    stub->PrepareUnaryCall(context_.get(), route_.grpc_path,
                           grpc::StubOptions(), &request_, &response_, this);
    StartCall();
  }

  void OnDone(const grpc::Status& status) override {
    exchange_->Send(Answer(status));
    // Shutdown may cancel a registered context at any time, and stops
    // waiting once nothing is registered: the context outlives its
    // registration, everything else of the call goes before it.
    Backends* backends = config_->backends;
    std::shared_ptr<grpc::ClientContext> context = std::move(context_);
    delete this;
    backends->Unregister(context.get());
  }

 private:
  HttpResponse Answer(const grpc::Status& status) {
    const SessionRpcs& session = config_->session;
    const bool logout = route_.method == session.logout;
    if (!status.ok()) {
      HttpResponse response = BackendErrorResponse(status, *context_);
      if (logout) {  // the session is gone either way
        response.AddHeader("Set-Cookie",
                           ExpiredSessionCookie(config_->secure_cookies));
      }
      return response;
    }
    const std::string serialized = Flatten(response_);
    if (route_.method != session.login) {
      absl::StatusOr<std::string> json =
          transcoder_->SerializedResponseToJson(serialized);
      if (!json.ok()) return ErrorResponse(ErrorFromStatus(json.status()));
      HttpResponse response = JsonResponse(200, *std::move(json));
      if (logout) {
        response.AddHeader("Set-Cookie",
                           ExpiredSessionCookie(config_->secure_cookies));
      } else if (!cookie_token_.empty()) {
        // A sliding session: in use, the cookie lives another idle timeout
        // (the backend session slides the same way, and still ends at its
        // absolute lifetime, after which the cookie only earns a 401).
        response.AddHeader(
            "Set-Cookie",
            SessionCookie(cookie_token_,
                          absl::ToInt64Seconds(config_->session_idle_timeout),
                          config_->secure_cookies));
      }
      return response;
    }
    // Login: the token goes into an HttpOnly cookie, never to page scripts.
    std::unique_ptr<Message> message = transcoder_->NewResponse();
    if (!message->ParseFromString(serialized)) {
      return GatewayError(absl::StatusCode::kInternal,
                          "malformed response from the backend");
    }
    const auto* reflection = message->GetReflection();
    const std::string session_token =
        reflection->GetString(*message, session.token_field);
    const Message& expire =
        reflection->GetMessage(*message, session.expire_time_field);
    const int64_t max_age =
        expire.GetReflection()->GetInt64(
            expire, expire.GetDescriptor()->FindFieldByName("seconds")) -
        absl::ToUnixSeconds(absl::Now());
    reflection->ClearField(message.get(), session.token_field);
    absl::StatusOr<std::string> json = transcoder_->ResponseToJson(*message);
    if (!json.ok()) return ErrorResponse(ErrorFromStatus(json.status()));
    HttpResponse response = JsonResponse(
        200, RemoveJsonKey(*json, session.token_field->json_name()));
    if (!session_token.empty()) {
      response.AddHeader("Set-Cookie", SessionCookie(session_token, max_age,
                                                     config_->secure_cookies));
    }
    return response;
  }

  const HandlerConfig* const config_;
  const Route& route_;
  std::shared_ptr<grpc::ClientContext> context_;
  std::unique_ptr<Transcoder> transcoder_;
  std::shared_ptr<Exchange> exchange_;
  const std::string cookie_token_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

void RequestHandler::Handle(HttpRequest request,
                            std::shared_ptr<HttpExchange> http) {
  auto exchange = std::make_shared<Exchange>();
  exchange->http = std::move(http);
  exchange->origins = config_.origins;
  exchange->method = request.method;
  exchange->start = absl::Now();
  std::optional<absl::string_view> incoming_id = request.Header("x-request-id");
  exchange->request_id = rpc::RequestIdOrNew(incoming_id.value_or(""));
  if (std::optional<absl::string_view> origin = request.Header("origin")) {
    exchange->origin = std::string(*origin);
  }

  const absl::string_view path = request.path();
  if (path == kHealthzPath) {
    exchange->route = kHealthzPath;
    exchange->Send(JsonResponse(200, R"({"status":"SERVING"})"));
    return;
  }
  if (path == kReadyzPath) {
    exchange->route = kReadyzPath;
    CheckReadiness(std::move(exchange));
    return;
  }
  if (config_.static_files != nullptr &&
      StaticFiles::Handles(request.method, path)) {
    exchange->route = "static";
    HttpResponse response = config_.static_files->Serve(request);
    response.AddHeader("X-Request-Id", exchange->request_id);
    exchange->Log(response.status);
    exchange->http->Respond(std::move(response));
    return;
  }
  if (OriginPolicy::IsPreflight(request)) {
    exchange->route = "preflight";
    HttpResponse response = config_.origins->AnswerPreflight(request);
    response.AddHeader("X-Request-Id", exchange->request_id);
    exchange->Log(response.status);
    exchange->http->Respond(std::move(response));
    return;
  }

  const RouteLookup lookup = config_.routes->Match(request.method, path);
  switch (lookup.outcome) {
    case RouteLookup::Outcome::kMatched:
      exchange->route = lookup.route->path_template;
      Forward(std::move(exchange), lookup, request);
      return;
    case RouteLookup::Outcome::kNotFound:
      exchange->Send(GatewayError(
          absl::StatusCode::kNotFound,
          absl::StrCat("no route for ", request.method, " ", path)));
      return;
    case RouteLookup::Outcome::kMethodNotAllowed: {
      // As grpc-gateway: UNIMPLEMENTED in the body, 405 on the wire.
      HttpResponse response = GatewayError(
          absl::StatusCode::kUnimplemented,
          absl::StrCat(request.method, " is not allowed on ", path), 405);
      response.AddHeader("Allow", absl::StrJoin(lookup.allowed_methods, ", "));
      exchange->Send(std::move(response));
      return;
    }
    case RouteLookup::Outcome::kMalformedPath:
      exchange->Send(GatewayError(absl::StatusCode::kInvalidArgument,
                                  "malformed percent-encoding in the path"));
      return;
  }
}

void RequestHandler::Forward(std::shared_ptr<Exchange> exchange,
                             const RouteLookup& lookup,
                             const HttpRequest& request) {
  const Route& route = *lookup.route;

  // Who is calling: an Authorization header wins over the session cookie.
  std::string authorization;
  std::string cookie_token;
  if (std::optional<absl::string_view> header =
          request.Header(auth::kAuthorizationKey)) {
    authorization = std::string(*header);
  } else if (std::optional<absl::string_view> cookies =
                 request.Header("cookie")) {
    if (std::optional<std::string> sid =
            FindCookie(*cookies, kSessionCookieName)) {
      authorization = absl::StrCat("Bearer ", *sid);
      cookie_token = *std::move(sid);
    }
  }
  // CSRF, with or without a cookie: a forged login signs the victim in as
  // the attacker.
  if (config_.origins->IsCrossSiteStateChange(request)) {
    exchange->Send(
        GatewayError(absl::StatusCode::kPermissionDenied,
                     "cross-site request refused: state-changing requests "
                     "are accepted from this site and allowed origins only"));
    return;
  }
  if (!request.body.empty() && !IsJsonContentType(request)) {
    exchange->Send(
        GatewayError(absl::StatusCode::kInvalidArgument,
                     "unsupported media type: a request body must be sent with "
                     "Content-Type: application/json",
                     415));
    return;
  }

  auto transcoder = std::make_unique<Transcoder>(route, config_.message_factory,
                                                 config_.type_resolver);
  if (absl::Status status = transcoder->BuildRequest(
          request.body, lookup.bindings, request.query());
      !status.ok()) {
    exchange->Send(ErrorResponse(ErrorFromStatus(status)));
    return;
  }
  grpc::GenericStub* stub =
      config_.backends->StubFor(route.method->service()->full_name());
  if (stub == nullptr) {
    exchange->Send(GatewayError(
        absl::StatusCode::kUnavailable,
        absl::StrCat(route.method->service()->full_name(), " has no backend")));
    return;
  }

  auto context = std::make_shared<grpc::ClientContext>();
  context->set_deadline(
      absl::ToChronoTime(absl::Now() + (route.method->server_streaming()
                                            ? config_.max_stream_duration
                                            : config_.backend_deadline)));
  if (!config_.service_token.empty()) {
    context->AddMetadata(auth::kServiceTokenKey, config_.service_token);
  }
  if (!authorization.empty() && IsMetadataSafe(authorization)) {
    context->AddMetadata(auth::kAuthorizationKey, authorization);
  }
  context->AddMetadata(
      auth::kForwardedForKey,
      ClientAddress(request.peer_address,
                    request.HeaderValues(auth::kForwardedForKey),
                    config_.trusted_proxies));
  context->AddMetadata(rpc::kRequestIdKey, exchange->request_id);

  grpc::ByteBuffer payload;
  bool own_buffer;
  if (!grpc::SerializationTraits<Message>::Serialize(transcoder->request(),
                                                     &payload, &own_buffer)
           .ok()) {
    exchange->Send(GatewayError(absl::StatusCode::kInternal,
                                "cannot serialize the request"));
    return;
  }
  if (!config_.backends->Register(context.get(),
                                  route.method->server_streaming())) {
    exchange->Send(GatewayError(absl::StatusCode::kUnavailable,
                                "the gateway is shutting down"));
    return;
  }

  if (route.method->server_streaming()) {
    SseBridgeParams params;
    params.stub = stub;
    params.grpc_path = route.grpc_path;
    params.context = std::move(context);
    params.request = std::move(payload);
    params.transcoder = std::move(transcoder);
    params.exchange = exchange->http;
    params.backends = config_.backends;
    exchange->Decorate(&params.head);
    params.heartbeat_interval = config_.sse_heartbeat_interval;
    params.error_response = [exchange](const grpc::Status& status,
                                       const grpc::ClientContext& context) {
      HttpResponse response = BackendErrorResponse(status, context);
      exchange->Decorate(&response);
      return response;
    };
    params.on_end = [exchange](int http_status, grpc::StatusCode) {
      exchange->Log(http_status);
    };
    StartSseBridge(std::move(params));
    return;
  }

  auto* call =
      new UnaryCall(&config_, route, std::move(context), std::move(transcoder),
                    std::move(exchange), std::move(cookie_token));
  call->Start(stub, std::move(payload));
}

void RequestHandler::CheckReadiness(std::shared_ptr<Exchange> exchange) {
  if (draining_.load()) {
    exchange->Send(JsonResponse(503, R"({"status":"NOT_SERVING"})"));
    return;
  }
  config_.backends->CheckReady(
      config_.readiness_timeout, [exchange](bool ready) {
        exchange->Send(JsonResponse(
            ready ? 200 : 503,
            ready ? R"({"status":"SERVING"})" : R"({"status":"NOT_SERVING"})"));
      });
}

HttpResponse RequestHandler::Refuse(int status, absl::string_view reason) {
  absl::StatusCode code;
  switch (status) {
    case 400:
      code = absl::StatusCode::kInvalidArgument;
      break;
    case 501:
      code = absl::StatusCode::kUnimplemented;
      break;
    default:  // 413, 431
      code = absl::StatusCode::kResourceExhausted;
  }
  HttpResponse response = GatewayError(code, reason, status);
  LogInfo("http", {{"method", "-"},
                   {"route", "-"},
                   {"status", absl::StrCat(status)},
                   {"ms", "0"},
                   {"rid", "-"}});
  return response;
}

}  // namespace helpdesk::gateway
