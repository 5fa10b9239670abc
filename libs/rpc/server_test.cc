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
#include "google/protobuf/message.h"
#include "grpc/health/v1/health.grpc.pb.h"
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

TEST_F(RpcServerTest, HealthCheckReportsServingOverTcp) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(RpcServerTest, ReflectionListsTheRegisteredServices) {
  // The reflection messages come from libgrpc++_reflection's descriptors;
  // their C++ headers are not installed, so the call is made generically.
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* request_type = pool->FindMessageTypeByName(
      "grpc.reflection.v1alpha.ServerReflectionRequest");
  const auto* response_type = pool->FindMessageTypeByName(
      "grpc.reflection.v1alpha.ServerReflectionResponse");
  ASSERT_NE(request_type, nullptr) << "reflection library not linked";
  ASSERT_NE(response_type, nullptr);
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> request(
      factory->GetPrototype(request_type)->New());
  std::unique_ptr<google::protobuf::Message> response(
      factory->GetPrototype(response_type)->New());
  request->GetReflection()->SetString(
      request.get(), request_type->FindFieldByName("list_services"), "");

  grpc::ClientContext context;
  const grpc::internal::RpcMethod method(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::internal::RpcMethod::BIDI_STREAMING);
  std::unique_ptr<grpc::ClientReaderWriter<google::protobuf::Message,
                                           google::protobuf::Message>>
      stream(grpc::internal::ClientReaderWriterFactory<
             google::protobuf::Message,
             google::protobuf::Message>::Create(channel_.get(), method,
                                                &context));
  ASSERT_TRUE(stream->Write(*request));
  ASSERT_TRUE(stream->WritesDone());
  ASSERT_TRUE(stream->Read(response.get()));
  EXPECT_TRUE(stream->Finish().ok());

  const auto* list = response_type->FindFieldByName("list_services_response");
  const google::protobuf::Message& services =
      response->GetReflection()->GetMessage(*response, list);
  const auto* service_field =
      services.GetDescriptor()->FindFieldByName("service");
  std::vector<std::string> names;
  for (int i = 0;
       i < services.GetReflection()->FieldSize(services, service_field); ++i) {
    const auto& service = services.GetReflection()->GetRepeatedMessage(
        services, service_field, i);
    names.push_back(service.GetReflection()->GetString(
        service, service.GetDescriptor()->FindFieldByName("name")));
  }
  EXPECT_THAT(names, Contains("helpdesk.testing.EchoService"));
  EXPECT_THAT(names, Contains("grpc.health.v1.Health"));
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
