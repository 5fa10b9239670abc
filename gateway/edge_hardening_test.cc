// The gateway's edge against abuse (issue #16; docs/reliability.md, "Edge
// hardening"): cross-site requests and login CSRF, media types, connection
// floods and silent connections, the sliding session cookie, request
// smuggling through Transfer-Encoding, repeated parameters, out-of-range
// times, and gRPC's own RESOURCE_EXHAUSTED. A real HTTP client against the
// real gateway, with the real auth and audit services behind it on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/gateway.h"
#include "gateway/testing/gateway_cluster.h"
#include "gateway/testing/http_client.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/clock/clock.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::gateway {
namespace {

using ::helpdesk::gateway::testing::TestHttpClient;
using ::helpdesk::gateway::testing::TestResponse;
using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::StartsWith;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kForeignOrigin[] = "https://evil.example.net";
constexpr char kOwnOrigin[] = "http://127.0.0.1";  // the test client's Host
constexpr char kUserLogin[] =
    R"({"email":"usera@example.com","password":"demo123"})";
constexpr char kAdminLogin[] =
    R"({"email":"admina@example.com","password":"demo123"})";
const Headers kJson = {{"Content-Type", "application/json"}};

google::rpc::Status ErrorBody(const TestResponse& response) {
  google::rpc::Status status;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(response.body, &status).ok())
      << response.body;
  return status;
}

Headers With(Headers headers, const Headers& more) {
  headers.insert(headers.end(), more.begin(), more.end());
  return headers;
}

// A TCP connection from `source` (a loopback address) to 127.0.0.1:`port`
// that sends nothing: one connection of a flood.
class SilentConnection {
 public:
  SilentConnection(const char* source, int port)
      : fd_(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source, &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    connected_ =
        fd_ >= 0 &&
        bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
        connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0;
  }
  ~SilentConnection() {
    if (fd_ >= 0) close(fd_);
  }
  SilentConnection(const SilentConnection&) = delete;
  SilentConnection& operator=(const SilentConnection&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  // True if the server has closed it (EOF or reset); does not wait.
  bool Closed() const {
    char byte;
    const ssize_t n = recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  int fd_;
  bool connected_ = false;
};

using Flood = std::vector<std::unique_ptr<SilentConnection>>;

// Waits, without sleeping (poll), until `expected` connections of `flood`
// have been closed by the server or `limit` passes; how many were.
int WaitForClosed(const Flood& flood, int expected, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  std::vector<bool> closed(flood.size(), false);
  int count = 0;
  while (count < expected) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < flood.size(); ++i) {
      if (closed[i]) continue;
      fds.push_back({flood[i]->fd(), POLLIN | POLLRDHUP, 0});
      which.push_back(i);
    }
    const int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (fds.empty() || wait_ms <= 0) break;
    if (poll(fds.data(), fds.size(), static_cast<int>(wait_ms)) <= 0) break;
    for (size_t j = 0; j < fds.size(); ++j) {
      if (fds[j].revents != 0 && flood[which[j]]->Closed()) {
        closed[which[j]] = true;
        ++count;
      }
    }
  }
  return count;
}

class EdgeHardeningTest : public GatewayClusterTest {
 protected:
  // One request on a fresh connection from 127.0.0.1, headers as given.
  TestResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", const Headers& headers = {}) {
    TestHttpClient client(gateway_->port());
    absl::StatusOr<TestResponse> response =
        client.Send(method, target, body, headers);
    EXPECT_THAT(response, IsOk());
    return response.ok() ? *response : TestResponse{};
  }

  // Signs in; the session cookie's value.
  std::string LoginCookie(const std::string& body = kUserLogin) {
    TestResponse response = Call("POST", "/v1/auth/login", body, kJson);
    EXPECT_EQ(response.status, 200) << response.body;
    std::optional<std::string> cookie = response.Header("set-cookie");
    if (!cookie.has_value() || !absl::StartsWith(*cookie, "sid=")) return "";
    return cookie->substr(4, cookie->find(';') - 4);
  }
};

// --- 1. Cross-site requests and media types -------------------------------

// A page elsewhere posts the attacker's credentials as text/plain (no
// preflight): before, the victim's browser was signed in as the attacker.
TEST_F(EdgeHardeningTest, CrossSiteLoginAsTextPlainIs403WithoutCookie) {
  TestResponse response =
      Call("POST", "/v1/auth/login", kUserLogin,
           {{"Content-Type", "text/plain"}, {"Origin", kForeignOrigin}});
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(response.Header("set-cookie").has_value());
}

TEST_F(EdgeHardeningTest, CrossSiteLoginAsJsonIs403) {
  TestResponse response = Call("POST", "/v1/auth/login", kUserLogin,
                               With(kJson, {{"Origin", kForeignOrigin}}));
  EXPECT_EQ(response.status, 403);
  EXPECT_FALSE(response.Header("set-cookie").has_value());
  EXPECT_EQ(Call("POST", "/v1/auth/login", kUserLogin,
                 With(kJson, {{"Origin", "null"}}))
                .status,
            403);
}

TEST_F(EdgeHardeningTest, CrossSitePatchIs403) {
  const std::string sid = LoginCookie();
  TestResponse response =
      Call("PATCH", "/v1/tickets/1", R"({"title":"pwned"})",
           With(kJson, {{"Cookie", "sid=" + sid}, {"Origin", kForeignOrigin}}));
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(EdgeHardeningTest, CrossSiteFetchMetadataWithoutOriginIs403) {
  TestResponse response = Call("POST", "/v1/auth/login", kUserLogin,
                               With(kJson, {{"Sec-Fetch-Site", "cross-site"}}));
  EXPECT_EQ(response.status, 403);
  EXPECT_FALSE(response.Header("set-cookie").has_value());
  EXPECT_EQ(Call("POST", "/v1/auth/login", kUserLogin,
                 With(kJson, {{"Sec-Fetch-Site", "same-origin"}}))
                .status,
            200);
}

TEST_F(EdgeHardeningTest, LoginFromOwnOrAllowedOriginOrNoBrowserPasses) {
  for (const char* origin : {kOwnOrigin, kAllowedOrigin}) {
    TestResponse response = Call("POST", "/v1/auth/login", kUserLogin,
                                 With(kJson, {{"Origin", origin}}));
    EXPECT_EQ(response.status, 200) << origin << ": " << response.body;
    EXPECT_THAT(response.Header("set-cookie"), Optional(StartsWith("sid=")));
  }
  EXPECT_EQ(Call("POST", "/v1/auth/login", kUserLogin, kJson).status, 200);
}

TEST_F(EdgeHardeningTest, BodyWithoutJsonContentTypeIs415) {
  for (const Headers& headers :
       {Headers{}, Headers{{"Content-Type", "text/plain"}},
        Headers{{"Content-Type", "application/x-www-form-urlencoded"}},
        Headers{{"Content-Type", "multipart/form-data; boundary=x"}},
        Headers{{"Content-Type", "application/jsonx"}},
        Headers{{"Content-Type", "application/json"},
                {"Content-Type", "text/plain"}}}) {
    TestResponse response = Call("POST", "/v1/auth/login", kUserLogin, headers);
    EXPECT_EQ(response.status, 415) << response.body;
    EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ErrorBody(response).message(), HasSubstr("application/json"));
    EXPECT_FALSE(response.Header("set-cookie").has_value());
  }
}

TEST_F(EdgeHardeningTest, JsonContentTypeWithParametersAnyCaseIsAccepted) {
  for (const char* type :
       {"application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
        " application/json "}) {
    EXPECT_EQ(
        Call("POST", "/v1/auth/login", kUserLogin, {{"Content-Type", type}})
            .status,
        200)
        << type;
  }
}

// `curl -X POST .../v1/jobs:runEscalationSweep`: no body, no Content-Type.
TEST_F(EdgeHardeningTest, EmptyBodyNeedsNoContentType) {
  const std::string sid = LoginCookie();
  TestResponse response =
      Call("POST", "/v1/auth/logout", "", {{"Cookie", "sid=" + sid}});
  EXPECT_EQ(response.status, 200) << response.body;
}

// --- 2. Connection floods and silent connections ---------------------------

// 70 idle connections from 127.0.0.2, with room for 40 in all and 20 per
// client: the 50 beyond the client's cap are closed at once, the 20 stay,
// and 127.0.0.1 is served promptly.
TEST_F(EdgeHardeningTest, OneClientCannotTakeEveryConnection) {
  constexpr int kCap = 20;
  constexpr int kFlood = kCap + 50;
  GatewayOptions options = Options();
  options.max_connections = 2 * kCap;
  options.max_connections_per_client = kCap;
  StartGateway(options);

  Flood flood;
  for (int i = 0; i < kFlood; ++i) {
    flood.push_back(
        std::make_unique<SilentConnection>("127.0.0.2", gateway_->port()));
    ASSERT_TRUE(flood.back()->connected());
  }
  EXPECT_EQ(WaitForClosed(flood, kFlood - kCap, absl::Seconds(5)),
            kFlood - kCap);
  int open = 0;
  for (const auto& connection : flood) open += connection->Closed() ? 0 : 1;
  EXPECT_EQ(open, kCap);

  TestHttpClient other(gateway_->port(), absl::Seconds(2));
  const absl::Time start = absl::Now();
  absl::StatusOr<TestResponse> health = other.Send("GET", "/healthz");
  ASSERT_THAT(health, IsOk());
  EXPECT_EQ(health->status, 200);
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));

  // The flooding client gets no more, until it closes some of its own.
  Flood more;
  more.push_back(
      std::make_unique<SilentConnection>("127.0.0.2", gateway_->port()));
  EXPECT_EQ(WaitForClosed(more, 1, absl::Seconds(5)), 1);
}

TEST_F(EdgeHardeningTest, ClosedConnectionsGiveTheirSlotsBack) {
  GatewayOptions options = Options();
  options.max_connections_per_client = 3;
  StartGateway(options);
  auto connect = [&] {
    return std::make_unique<TestHttpClient>(gateway_->port(), absl::Seconds(5),
                                            "127.0.0.2");
  };
  std::vector<std::unique_ptr<TestHttpClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(connect());
    absl::StatusOr<TestResponse> health =
        clients.back()->Send("GET", "/healthz");
    ASSERT_THAT(health, IsOk());
    EXPECT_EQ(health->status, 200);
  }
  // Refused: closed at once, unanswered (not left hanging to time out).
  EXPECT_THAT(connect()->Send("GET", "/healthz"),
              StatusIs(absl::StatusCode::kUnavailable));

  // Its slot is free once the server has seen the close: a bounded wait.
  clients.front()->Close();
  EXPECT_TRUE(helpdesk::testing::WaitFor(
      [&] {
        absl::StatusOr<TestResponse> health =
            connect()->Send("GET", "/healthz");
        return health.ok() && health->status == 200;
      },
      absl::Seconds(2), absl::Milliseconds(10)));
}

TEST_F(EdgeHardeningTest, SilentConnectionIsClosedAfterTheHeaderTimeout) {
  GatewayOptions options = Options();
  options.request_header_timeout = absl::Milliseconds(300);
  StartGateway(options);
  TestHttpClient client(gateway_->port());
  const absl::Time start = absl::Now();
  EXPECT_TRUE(client.ClosedByServer(absl::Seconds(5)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
}

// Slowloris: a head that never ends.
TEST_F(EdgeHardeningTest, DribbledHeadIsCutAtTheHeaderTimeout) {
  GatewayOptions options = Options();
  options.request_header_timeout = absl::Milliseconds(300);
  StartGateway(options);
  TestHttpClient client(gateway_->port());
  ASSERT_THAT(client.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n"), IsOk());
  ASSERT_THAT(client.SendRaw("X-A: 1\r\n"), IsOk());
  EXPECT_TRUE(client.ClosedByServer(absl::Seconds(5)));
}

// The header timeout is for heads; between requests the idle timeout rules.
TEST_F(EdgeHardeningTest, KeepAliveConnectionMayIdleLongerThanTheHeadTimeout) {
  GatewayOptions options = Options();
  options.request_header_timeout = absl::Milliseconds(200);
  StartGateway(options);
  TestHttpClient client(gateway_->port());
  ASSERT_EQ(client.Send("GET", "/healthz")->status, 200);
  EXPECT_FALSE(client.ClosedByServer(absl::Milliseconds(600)));
  absl::StatusOr<TestResponse> again = client.Send("GET", "/healthz");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->status, 200);
}

// --- 3. Sliding session cookie ---------------------------------------------

TEST_F(EdgeHardeningTest, SuccessOnTheCookieRenewsItForTheIdleTimeout) {
  GatewayOptions options = Options();
  options.session_idle_timeout = absl::Minutes(20);
  StartGateway(options);
  const std::string sid = LoginCookie();
  TestResponse response =
      Call("GET", "/v1/auth/me", "", {{"Cookie", "sid=" + sid}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(
      response.Headers("set-cookie"),
      ElementsAre(absl::StrCat(
          "sid=", sid, "; Path=/; Max-Age=1200; HttpOnly; SameSite=Lax")));
}

TEST_F(EdgeHardeningTest, RenewedCookieKeepsTheSecureAttribute) {
  GatewayOptions options = Options();
  options.secure_cookies = true;
  StartGateway(options);
  const std::string sid = LoginCookie();
  TestResponse response =
      Call("GET", "/v1/auth/me", "", {{"Cookie", "sid=" + sid}});
  EXPECT_THAT(response.Headers("set-cookie"),
              ElementsAre(absl::StrCat("sid=", sid,
                                       "; Path=/; Max-Age=1800; HttpOnly; "
                                       "SameSite=Lax; Secure")));
}

TEST_F(EdgeHardeningTest, NoRenewalOnFailuresBearerCallsOrLogout) {
  const std::string sid = LoginCookie();
  // 401: the session is unknown.
  EXPECT_THAT(Call("GET", "/v1/auth/me", "", {{"Cookie", "sid=nonsense"}})
                  .Headers("set-cookie"),
              IsEmpty());
  // 403: a user reading the audit trail.
  TestResponse denied =
      Call("GET", "/v1/auditEvents", "", {{"Cookie", "sid=" + sid}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_THAT(denied.Headers("set-cookie"), IsEmpty());
  // Bearer: no cookie to renew.
  EXPECT_THAT(
      Call("GET", "/v1/auth/me", "", {{"Authorization", "Bearer " + sid}})
          .Headers("set-cookie"),
      IsEmpty());
  // Logout clears it, and only that.
  TestResponse logout =
      Call("POST", "/v1/auth/logout", "", {{"Cookie", "sid=" + sid}});
  ASSERT_EQ(logout.status, 200);
  EXPECT_THAT(logout.Headers("set-cookie"),
              ElementsAre("sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"));
}

// --- 4. Strictness -----------------------------------------------------------

// A coding other than chunked made Beast read an empty body and parse the
// body's bytes as a second request, here a hidden GET /healthz.
TEST_F(EdgeHardeningTest, TransferEncodingOtherThanChunkedIs501AndCloses) {
  for (const char* coding :
       {"gzip", "identity", "chunked, gzip", "gzip, chunked", "chunked;x=1"}) {
    SCOPED_TRACE(coding);
    TestHttpClient client(gateway_->port());
    ASSERT_THAT(client.SendRaw(absl::StrCat(
                    "POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Content-Type: application/json\r\nTransfer-Encoding: ",
                    coding,
                    "\r\n\r\n"
                    "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")),
                IsOk());
    absl::StatusOr<TestResponse> response = client.ReadResponse();
    ASSERT_THAT(response, IsOk());
    EXPECT_EQ(response->status, 501);
    EXPECT_EQ(ErrorBody(*response).code(), grpc::StatusCode::UNIMPLEMENTED);
    // No second answer: the hidden request was never read as one, and the
    // connection closes (the read does not time out).
    EXPECT_THAT(client.ReadResponse(),
                StatusIs(absl::StatusCode::kUnavailable));
  }
}

TEST_F(EdgeHardeningTest, TwoTransferEncodingHeadersAre501) {
  TestHttpClient client(gateway_->port());
  ASSERT_THAT(client.SendRaw("POST /v1/auth/logout HTTP/1.1\r\nHost: x\r\n"
                             "Transfer-Encoding: gzip\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
              IsOk());
  absl::StatusOr<TestResponse> response = client.ReadResponse();
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 501);
}

TEST_F(EdgeHardeningTest, TransferEncodingInHttp10Is400) {
  TestHttpClient client(gateway_->port());
  ASSERT_THAT(client.SendRaw("POST /v1/auth/logout HTTP/1.0\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
              IsOk());
  absl::StatusOr<TestResponse> response = client.ReadResponse();
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 400);
}

TEST_F(EdgeHardeningTest, ChunkedBodiesStillWork) {
  TestHttpClient client(gateway_->port());
  const std::string body = kUserLogin;
  ASSERT_THAT(client.SendRaw(absl::StrCat(
                  "POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Content-Type: application/json\r\n"
                  "Transfer-Encoding: Chunked\r\n\r\n",
                  absl::Hex(body.size()), "\r\n", body, "\r\n0\r\n\r\n")),
              IsOk());
  absl::StatusOr<TestResponse> response = client.ReadResponse();
  ASSERT_THAT(response, IsOk());
  EXPECT_EQ(response->status, 200) << response->body;
}

TEST_F(EdgeHardeningTest, SingularQueryParameterGivenTwiceIs400) {
  const std::string admin = LoginCookie(kAdminLogin);
  TestResponse response = Call("GET", "/v1/auditEvents?pageSize=1&pageSize=2",
                               "", {{"Cookie", "sid=" + admin}});
  EXPECT_EQ(response.status, 400);
  google::rpc::Status status = ErrorBody(response);
  EXPECT_EQ(status.code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.message(), HasSubstr("\"pageSize\""));
  EXPECT_EQ(Call("GET", "/v1/auditEvents?pageSize=2", "",
                 {{"Cookie", "sid=" + admin}})
                .status,
            200);
}

TEST_F(EdgeHardeningTest, OutOfRangeTimestampsAre400) {
  const std::string admin = LoginCookie(kAdminLogin);
  for (const char* time : {"10000-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00",
                           "0001-01-01T00:00:00%2B01:00"}) {
    TestResponse response =
        Call("GET", absl::StrCat("/v1/auditEvents?startTime=", time), "",
             {{"Cookie", "sid=" + admin}});
    EXPECT_EQ(response.status, 400) << time << ": " << response.body;
    EXPECT_EQ(ErrorBody(response).code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  TestResponse response =
      Call("GET", "/v1/auditEvents?startTime=9999-12-31T23:59:59-01:00", "",
           {{"Cookie", "sid=" + admin}});
  EXPECT_THAT(ErrorBody(response).message(), HasSubstr("start_time"));
}

// --- 5. RESOURCE_EXHAUSTED from gRPC itself --------------------------------

// A reply larger than the channel takes: gRPC's own RESOURCE_EXHAUSTED,
// which is no rate limit.
TEST_F(EdgeHardeningTest, GrpcMessageSizeLimitIs500NotTooManyAttempts) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(16);
  StartGateway(Options(),
               grpc::CreateCustomChannel(
                   target_, grpc::InsecureChannelCredentials(), arguments));
  TestResponse login = Call("POST", "/v1/auth/login", kUserLogin, kJson);
  EXPECT_EQ(login.status, 500) << login.body;
  EXPECT_FALSE(login.Header("retry-after").has_value());
  google::rpc::Status status = ErrorBody(login);
  EXPECT_EQ(status.code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.message(), HasSubstr("not a rate limit"));
}

}  // namespace
}  // namespace helpdesk::gateway
