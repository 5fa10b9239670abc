#include "gateway/gateway.h"

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/static_files.h"
#include "gateway/transcoder.h"
#include "gateway/web_console_files_gen.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "libs/log/log.h"
#include "libs/status/status_macros.h"

namespace helpdesk::gateway {
namespace {

using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FieldDescriptor;

absl::StatusOr<std::unique_ptr<DescriptorPool>> LoadDescriptorSet(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  google::protobuf::FileDescriptorSet set;
  if (!in.good() || !set.ParseFromIstream(&in)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read a FileDescriptorSet from ", path));
  }
  auto pool = std::make_unique<DescriptorPool>();
  for (const auto& file : set.file()) {
    if (pool->BuildFile(file) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot build ", file.name(),
                       " (are its imports included?)"));
    }
  }
  return pool;
}

absl::StatusOr<SessionRpcs> ResolveSessionRpcs(const DescriptorPool& pool,
                                               const GatewayOptions& options) {
  SessionRpcs session;
  if (options.login_method.empty()) return session;
  session.login = pool.FindMethodByName(options.login_method);
  if (session.login == nullptr) return session;  // auth is not served
  const auto* output = session.login->output_type();
  session.token_field = output->FindFieldByName(options.session_token_field);
  session.expire_time_field =
      output->FindFieldByName(options.session_expire_time_field);
  if (session.token_field == nullptr ||
      session.token_field->type() != FieldDescriptor::TYPE_STRING ||
      session.token_field->is_repeated() ||
      session.expire_time_field == nullptr ||
      session.expire_time_field->message_type() == nullptr ||
      session.expire_time_field->message_type()->full_name() !=
          "google.protobuf.Timestamp") {
    return absl::InvalidArgumentError(
        absl::StrCat(options.login_method, " must return a string ",
                     options.session_token_field, " and a Timestamp ",
                     options.session_expire_time_field));
  }
  if (!options.logout_method.empty()) {
    session.logout = pool.FindMethodByName(options.logout_method);
  }
  return session;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(
    GatewayOptions options, std::shared_ptr<grpc::Channel> backend) {
  BackendChannels channels;
  for (const std::string& service : options.services) {
    channels[service] = backend;
  }
  return Start(std::move(options), channels);
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(
    GatewayOptions options, const BackendChannels& backends) {
  std::unique_ptr<Gateway> gateway(new Gateway());
  const DescriptorPool* pool = nullptr;
  google::protobuf::MessageFactory* factory = nullptr;
  if (options.descriptor_set_path.empty()) {
    pool = HelpdeskGeneratedPool();
    factory = google::protobuf::MessageFactory::generated_factory();
  } else {
    ASSIGN_OR_RETURN(gateway->own_pool_,
                     LoadDescriptorSet(options.descriptor_set_path));
    pool = gateway->own_pool_.get();
    gateway->dynamic_factory_ =
        std::make_unique<google::protobuf::DynamicMessageFactory>(pool);
    factory = gateway->dynamic_factory_.get();
  }
  ASSIGN_OR_RETURN(gateway->routes_,
                   RouteTable::Build(*pool, options.services));
  ASSIGN_OR_RETURN(SessionRpcs session, ResolveSessionRpcs(*pool, options));
  for (const std::string& service : options.services) {
    if (!backends.contains(service) || backends.at(service) == nullptr) {
      LogWarning("gateway_service_without_backend", {{"service", service}});
    }
  }
  gateway->origins_ = std::make_unique<OriginPolicy>(
      options.allowed_origins, options.secure_cookies ? "https" : "http");
  if (options.serve_web_console) {
    std::vector<StaticFiles::File> files;
    for (const web::EmbeddedFile& file : web::EmbeddedFiles()) {
      files.push_back({{file.path.data(), file.path.size()},
                       {file.bytes.data(), file.bytes.size()}});
    }
    gateway->static_files_ = std::make_unique<StaticFiles>(files);
  }
  gateway->backends_ = std::make_unique<Backends>(backends);

  HandlerConfig config;
  config.routes = gateway->routes_.get();
  config.message_factory = factory;
  config.type_resolver = gateway->type_resolver_.get();
  config.backends = gateway->backends_.get();
  config.origins = gateway->origins_.get();
  config.static_files = gateway->static_files_.get();
  config.session = session;
  config.service_token = options.service_token;
  config.secure_cookies = options.secure_cookies;
  config.session_idle_timeout = options.session_idle_timeout;
  config.trusted_proxies = options.trusted_proxies;
  config.backend_deadline = options.backend_deadline;
  config.max_stream_duration = options.max_stream_duration;
  config.sse_heartbeat_interval = options.sse_heartbeat_interval;
  gateway->handler_ = std::make_unique<RequestHandler>(std::move(config));

  HttpServerOptions http;
  http.bind_address = options.bind_address;
  http.port = options.port;
  http.io_threads = options.io_threads;
  http.max_body_bytes = options.max_body_bytes;
  http.max_header_bytes = options.max_header_bytes;
  http.idle_timeout = options.idle_timeout;
  http.request_header_timeout = options.request_header_timeout;
  http.request_timeout = options.request_timeout;
  http.write_timeout = options.write_timeout;
  http.max_connections = options.max_connections;
  http.max_connections_per_client = options.max_connections_per_client;
  ASSIGN_OR_RETURN(gateway->server_,
                   HttpServer::Start(std::move(http), gateway->handler_.get()));
  LogInfo("gateway_started",
          {{"port", absl::StrCat(gateway->server_->port())},
           {"routes", absl::StrCat(gateway->routes_->routes().size())}});
  return gateway;
}

Gateway::~Gateway() { Shutdown(absl::ZeroDuration()); }

void Gateway::Shutdown(absl::Duration grace) {
  if (server_ == nullptr || shut_down_.exchange(true)) return;
  handler_->SetDraining();
  server_->StopAccepting();
  backends_->CancelStreams();
  server_->WaitForConnections(absl::Now() + grace);
  backends_->CancelAll();
  // Cancelled calls complete promptly; their answers still reach the event
  // loops, which run until Stop().
  if (!backends_->WaitIdle(absl::Now() + absl::Seconds(10))) {
    LogError("gateway_calls_still_running", {});
  }
  server_->Stop();
  LogInfo("gateway_stopped", {});
}

}  // namespace helpdesk::gateway
