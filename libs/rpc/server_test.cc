#include "libs/rpc/server.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "echo.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/message.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/rpc/request_log_interceptor.h"
#include "libs/rpc/status_conversion.h"
#include "libs/status/error_details.h"
#include "libs/status/status_matchers.h"

namespace helpdesk::rpc {
namespace {

using ::helpdesk::testing::EchoRequest;
using ::helpdesk::testing::EchoResponse;
using ::helpdesk::testing::EchoService;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::Contains;
using ::testing::Pair;

// Echoes, or fails the way the request asks, through ToGrpcStatus.
class EchoServiceImpl final : public EchoService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context, const EchoRequest* request,
                    EchoResponse* response) override {
    if (request->block()) {
      started_.Notify();
      release_.WaitForNotification();
    }
    const auto code = static_cast<absl::StatusCode>(request->error_code());
    if (code == absl::StatusCode::kInvalidArgument) {
      return ToGrpcStatus(InvalidArgumentWithViolations(
          "bad input", {{request->bad_field(), "must not be empty"}}));
    }
    if (code == absl::StatusCode::kResourceExhausted) {
      return ToGrpcStatus(
          ResourceExhaustedRetryAfter(
              "slow down", absl::Milliseconds(request->retry_after_ms())),
          context);
    }
    if (code != absl::StatusCode::kOk) {
      return ToGrpcStatus(absl::Status(code, "SELECT * FROM secrets failed"));
    }
    response->set_text(request->text());
    response->set_request_id(RequestId(*context));
    return grpc::Status::OK;
  }

  absl::Notification started_;
  absl::Notification release_;
};

class RpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = RpcServer::Start(ServerOptions{}, {&echo_});
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    channel_ =
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials());
    stub_ = EchoService::NewStub(channel_);
  }

  absl::Status Call(const EchoRequest& request, EchoResponse* response,
                    grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    return FromGrpcStatus(stub_->Echo(context, request, response));
  }

  EchoServiceImpl echo_;
  std::unique_ptr<RpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<EchoService::Stub> stub_;
};

TEST_F(RpcServerTest, PortZeroPicksAFreePort) { EXPECT_GT(server_->port(), 0); }

grpc::health::v1::HealthCheckResponse::ServingStatus HealthOf(
    grpc::Channel* channel, const std::string& service, grpc::Status* status) {
  auto health = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  *status = health->Check(&context, request, &response);
  return response.status();
}

TEST_F(RpcServerTest, HealthCheckReportsServingOverTcp) {
  grpc::Status status;
  EXPECT_EQ(HealthOf(channel_.get(), "", &status),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(RpcServerTest, HealthAnswersForEachHostedServiceByName) {
  for (const std::string name :
       {"helpdesk.testing.EchoService", "grpc.health.v1.Health"}) {
    grpc::Status status;
    EXPECT_EQ(HealthOf(channel_.get(), name, &status),
              grpc::health::v1::HealthCheckResponse::SERVING)
        << name;
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
  }
  grpc::Status status;
  HealthOf(channel_.get(), "helpdesk.testing.NoSuchService", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RpcServerTest, DrainingReportsNotServingWhileCallsAreStillServed) {
  server_->StartDraining();
  for (const std::string name : {"", "helpdesk.testing.EchoService"}) {
    grpc::Status status;
    EXPECT_EQ(HealthOf(channel_.get(), name, &status),
              grpc::health::v1::HealthCheckResponse::NOT_SERVING)
        << name;
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  EchoRequest request;
  request.set_text("still here");
  EchoResponse response;
  grpc::ClientContext context;
  EXPECT_THAT(Call(request, &response, &context), IsOk());
  EXPECT_EQ(response.text(), "still here");
}

TEST_F(RpcServerTest, ServiceNamesListHostedServices) {
  EXPECT_THAT(server_->service_names(),
              ::testing::IsSupersetOf(
                  {"helpdesk.testing.EchoService", "grpc.health.v1.Health",
                   "grpc.reflection.v1alpha.ServerReflection",
                   "grpc.reflection.v1.ServerReflection"}));
}

// One request on a v1alpha reflection stream (what grpcurl 1.8 sends).
grpc::reflection::v1alpha::ServerReflectionResponse ReflectV1Alpha(
    const std::shared_ptr<grpc::Channel>& channel,
    const grpc::reflection::v1alpha::ServerReflectionRequest& request) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  EXPECT_TRUE(stream->Write(request));
  EXPECT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Read(&response));
  EXPECT_TRUE(stream->Finish().ok());
  return response;
}

TEST_F(RpcServerTest, ReflectionListsTheRegisteredServices) {
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  auto response = ReflectV1Alpha(channel_, request);
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_THAT(names, Contains("helpdesk.testing.EchoService"));
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));
  EXPECT_THAT(names, Contains("grpc.reflection.v1alpha.ServerReflection"));
}

// Every file the answer holds, parsed.
std::vector<google::protobuf::FileDescriptorProto> Files(
    const grpc::reflection::v1alpha::ServerReflectionResponse& response) {
  std::vector<google::protobuf::FileDescriptorProto> files;
  for (const std::string& bytes :
       response.file_descriptor_response().file_descriptor_proto()) {
    files.emplace_back();
    EXPECT_TRUE(files.back().ParseFromString(bytes));
  }
  return files;
}

TEST_F(RpcServerTest, ReflectedDescriptorsCarryJsonNames) {
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_file_containing_symbol("helpdesk.testing.EchoService");
  const auto files = Files(ReflectV1Alpha(channel_, request));
  ASSERT_EQ(files.size(), 1u);
  const google::protobuf::DescriptorProto* echo_request = nullptr;
  for (const auto& message : files[0].message_type()) {
    if (message.name() == "EchoRequest") echo_request = &message;
  }
  ASSERT_NE(echo_request, nullptr);
  std::vector<std::pair<std::string, std::string>> names;
  for (const auto& field : echo_request->field()) {
    ASSERT_TRUE(field.has_json_name()) << field.name();
    names.emplace_back(field.name(), field.json_name());
  }
  EXPECT_THAT(names, Contains(Pair("error_code", "errorCode")));
  EXPECT_THAT(names, Contains(Pair("retry_after_ms", "retryAfterMs")));
}

TEST_F(RpcServerTest, ReflectionDescribesHealthWithItsImports) {
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_file_containing_symbol("grpc.health.v1.Health");
  const auto files = Files(ReflectV1Alpha(channel_, request));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].name(), "grpc/health/v1/health.proto");
}

TEST_F(RpcServerTest, ReflectionAnswersUnknownSymbolsWithNotFound) {
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_file_containing_symbol("helpdesk.testing.Nope");
  auto response = ReflectV1Alpha(channel_, request);
  EXPECT_EQ(response.error_response().error_code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
}

TEST_F(RpcServerTest, ReflectionV1AnswersLikeV1Alpha) {
  auto stub = grpc::reflection::v1::ServerReflection::NewStub(channel_);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1::ServerReflectionRequest request;
  request.set_file_by_filename("echo.proto");
  grpc::reflection::v1::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  // A second request on the same stream gets the file again.
  grpc::reflection::v1::ServerReflectionResponse again;
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&again));
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(response.file_descriptor_response().file_descriptor_proto_size(),
            1);
  EXPECT_EQ(again.file_descriptor_response().file_descriptor_proto_size(), 1);
}

TEST_F(RpcServerTest, SecondServerOnATakenPortFailsToStart) {
  ServerOptions options;
  options.port = server_->port();
  EchoServiceImpl other;
  EXPECT_THAT(RpcServer::Start(std::move(options), {&other}),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(RpcServerTest, InProcessChannelReachesTheServer) {
  auto stub = EchoService::NewStub(server_->InProcessChannel());
  grpc::ClientContext context;
  EchoRequest request;
  request.set_text("hi");
  EchoResponse response;
  ASSERT_TRUE(stub->Echo(&context, request, &response).ok());
  EXPECT_EQ(response.text(), "hi");
}

TEST_F(RpcServerTest, BadRequestDetailReachesTheClient) {
  EchoRequest request;
  request.set_error_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
  request.set_bad_field("ticket.title");
  EchoResponse response;
  grpc::ClientContext context;
  absl::Status status = Call(request, &response, &context);
  EXPECT_THAT(status,
              StatusIs(absl::StatusCode::kInvalidArgument, "bad input"));
  auto bad_request = GetBadRequest(status);
  ASSERT_TRUE(bad_request.has_value());
  ASSERT_EQ(bad_request->field_violations_size(), 1);
  EXPECT_EQ(bad_request->field_violations(0).field(), "ticket.title");
}

TEST_F(RpcServerTest, RetryInfoArrivesAsDetailAndRetryAfterTrailer) {
  EchoRequest request;
  request.set_error_code(
      static_cast<int>(absl::StatusCode::kResourceExhausted));
  request.set_retry_after_ms(90'500);
  EchoResponse response;
  grpc::ClientContext context;
  absl::Status status = Call(request, &response, &context);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(GetRetryDelay(status), absl::Milliseconds(90'500));
  EXPECT_THAT(context.GetServerTrailingMetadata(),
              Contains(Pair("retry-after", "91")));
}

TEST_F(RpcServerTest, InternalErrorsHideTheirMessage) {
  EchoRequest request;
  request.set_error_code(static_cast<int>(absl::StatusCode::kInternal));
  EchoResponse response;
  grpc::ClientContext context;
  EXPECT_THAT(Call(request, &response, &context),
              StatusIs(absl::StatusCode::kInternal, "internal error"));
}

TEST_F(RpcServerTest, OtherErrorsKeepTheirMessage) {
  EchoRequest request;
  request.set_error_code(static_cast<int>(absl::StatusCode::kNotFound));
  EchoResponse response;
  grpc::ClientContext context;
  EXPECT_THAT(Call(request, &response, &context),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(RpcServerTest, RequestIdFromTheCallerIsUsedAndEchoed) {
  EchoRequest request;
  EchoResponse response;
  grpc::ClientContext context;
  context.AddMetadata(kRequestIdKey, "abc-123");
  ASSERT_THAT(Call(request, &response, &context), IsOk());
  EXPECT_EQ(response.request_id(), "abc-123");
  EXPECT_THAT(context.GetServerInitialMetadata(),
              Contains(Pair(kRequestIdKey, "abc-123")));
}

TEST_F(RpcServerTest, MissingRequestIdIsGenerated) {
  EchoRequest request;
  EchoResponse response;
  grpc::ClientContext context;
  ASSERT_THAT(Call(request, &response, &context), IsOk());
  auto metadata = context.GetServerInitialMetadata();
  auto it = metadata.find(kRequestIdKey);
  ASSERT_NE(it, metadata.end());
  EXPECT_EQ(it->second.size(), 32u);
}

TEST_F(RpcServerTest, ShutdownLetsInFlightCallsFinish) {
  EchoRequest request;
  request.set_text("finishing");
  request.set_block(true);
  EchoResponse response;
  grpc::ClientContext context;
  absl::Status status;
  std::thread caller([&] { status = Call(request, &response, &context); });
  echo_.started_.WaitForNotification();
  std::thread stopper([&] { server_->Shutdown(absl::Seconds(30)); });
  echo_.release_.Notify();
  stopper.join();
  caller.join();
  EXPECT_THAT(status, IsOk());
  EXPECT_EQ(response.text(), "finishing");
}

}  // namespace
}  // namespace helpdesk::rpc
