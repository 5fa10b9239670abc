#include "tests/e2e_support.h"

#include <exception>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/testing/wait_for.h"

namespace helpdesk::e2e {

using ::helpdesk::gateway::testing::TestHttpClient;
using ::testing::HasSubstr;

testing::ReplicaSetOptions TestReplicaSet(const std::string& work_dir,
                                          const std::string& database_url,
                                          int replicas, int gateways) {
  testing::ReplicaSetOptions options;
  options.replicas = replicas;
  options.gateways = gateways;
  options.database_url = database_url;
  options.work_dir = work_dir;
  options.flags["auth"] = {"--argon2_memory_kib=64", "--argon2_iterations=1"};
  options.flags["jobs"] = {"--sweep_interval=1h"};
  return options;
}

TestResponse Call(int port, const std::string& cookie,
                  const std::string& method, const std::string& target,
                  const std::string& body) {
  try {
    TestHttpClient http(port);
    auto response =
        http.Send(method, target, body,
                  {{"Cookie", cookie}, {"Content-Type", "application/json"}});
    if (response.ok()) return *response;
  } catch (const std::exception&) {
    // Nothing listens on the port (a killed gateway).
  }
  return TestResponse{};
}

std::string SignIn(int port, const std::string& email) {
  TestResponse response =
      Call(port, "", "POST", "/v1/auth/login",
           absl::StrCat(R"({"email":")", email, R"(","password":"demo123"})"));
  EXPECT_EQ(response.status, 200) << email << ": " << response.body;
  std::string cookie = response.Header("set-cookie").value_or("");
  return cookie.substr(0, cookie.find(';'));
}

bool Eventually(int port, const std::string& cookie, const std::string& target,
                const std::string& needle) {
  return testing::WaitFor(
      [&] {
        return absl::StrContains(Call(port, cookie, "GET", target).body,
                                 needle);
      },
      absl::Seconds(30), absl::Milliseconds(100));
}

void RunLifecycle(int a, int b) {
  const std::string user = SignIn(a, "usera@example.com");
  const std::string admin = SignIn(b, "admina@example.com");
  const std::string admin_b = SignIn(a, "adminb@example.com");

  TestResponse created =
      Call(a, user, "POST", "/v1/tickets",
           R"({"title":"Split printer","body":"Jams across processes"})");
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_THAT(created.body, HasSubstr(R"("requesterName":"User A")"));
  const std::string id = IdOf(created.body);
  EXPECT_THAT(Call(b, user, "GET", "/v1/tickets/" + id).body,
              HasSubstr("Split printer"));

  TestResponse assigned =
      Call(b, admin, "POST", "/v1/tickets/" + id + ":assign",
           R"({"assigneeId":"2"})");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_TRUE(Eventually(a, admin_b, "/v1/notifications:unreadCount",
                         R"("count":"1")"));

  TestResponse resolved =
      Call(a, admin, "PATCH", "/v1/tickets/" + id, R"({"status":"RESOLVED"})");
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_TRUE(
      Eventually(b, user, "/v1/notifications:unreadCount", R"("count":"1")"));
  EXPECT_TRUE(Eventually(b, admin,
                         "/v1/auditEvents?entityType=ticket&entityId=" + id,
                         "ticket.status_changed"));
  const std::string trail =
      Call(a, admin, "GET", "/v1/auditEvents?entityType=ticket&entityId=" + id)
          .body;
  EXPECT_THAT(trail, HasSubstr("ticket.created"));
  EXPECT_THAT(trail, HasSubstr("ticket.assigned"));
  EXPECT_THAT(trail, HasSubstr(R"("before":{"status":"OPEN"})"));

  // The owner edits; search, filters and paging see it.
  ASSERT_EQ(Call(b, user, "PATCH", "/v1/tickets/" + id,
                 R"({"title":"Split printer on fire"})")
                .status,
            200);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Call(i % 2 == 0 ? a : b, user, "POST", "/v1/tickets",
                   absl::StrCat(R"({"title":"Lifecycle ticket )", i,
                                R"(","body":"Body"})"))
                  .status,
              200);
  }
  TestResponse found = Call(a, user, "GET", "/v1/tickets?query=fire");
  EXPECT_THAT(found.body, HasSubstr("Split printer on fire"));
  EXPECT_THAT(found.body, HasSubstr(R"("totalSize":1)"));
  TestResponse page =
      Call(b, user, "GET", "/v1/tickets?status=OPEN&pageSize=1");
  // The two just created, plus the demo tickets of the all-in-one binary.
  const size_t total_at = page.body.find(R"("totalSize":)") + 12;
  int total = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      page.body.substr(total_at, page.body.find('}', total_at) - total_at),
      &total));
  EXPECT_GE(total, 2);
  const size_t token_at = page.body.find(R"("nextPageToken":")") + 17;
  const std::string token =
      page.body.substr(token_at, page.body.find('"', token_at) - token_at);
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(Call(a, user, "GET",
                 "/v1/tickets?status=OPEN&pageSize=1&pageToken=" + token)
                .status,
            200);

  // The conversation: the requester's reply reopens the resolved ticket,
  // an agent's reply reaches the requester; both read the same thread.
  TestResponse reply = Call(a, user, "POST", "/v1/tickets/" + id + "/comments",
                            R"({"body":"It is jamming again"})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr(R"("authorRole":"USER")"));
  EXPECT_THAT(Call(b, admin, "GET", "/v1/tickets/" + id).body,
              HasSubstr(R"("status":"OPEN")"));
  EXPECT_EQ(Call(b, admin, "POST", "/v1/tickets/" + id + "/comments",
                 R"({"body":"A technician is on the way"})")
                .status,
            200);
  EXPECT_TRUE(
      Eventually(a, user, "/v1/notifications:unreadCount", R"("count":"2")"));
  const std::string thread =
      Call(a, user, "GET", "/v1/tickets/" + id + "/comments").body;
  EXPECT_LT(thread.find("It is jamming again"), thread.find("reopened"));
  EXPECT_LT(thread.find("reopened"), thread.find("A technician"));
  EXPECT_THAT(
      Call(a, user, "POST", "/v1/tickets/" + id + "/comments", R"({"body":""})")
          .status,
      400);

  // Five failed logins for one account, then 429 with Retry-After, through
  // either gateway: the limit is the service's, not a gateway's.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Call(i % 2 == 0 ? a : b, "", "POST", "/v1/auth/login",
                   R"({"email":"userd@example.com","password":"nope"})")
                  .status,
              401);
  }
  for (int port : {a, b}) {
    TestResponse limited =
        Call(port, "", "POST", "/v1/auth/login",
             R"({"email":"userd@example.com","password":"nope"})");
    EXPECT_EQ(limited.status, 429);
    EXPECT_TRUE(limited.Header("retry-after").has_value());
  }

  EXPECT_EQ(Call(b, user, "POST", "/v1/auth/logout", "{}").status, 200);
  // Every service's token cache forgets the session within 2 s.
  absl::SleepFor(absl::Milliseconds(2500));
  EXPECT_EQ(Call(a, user, "GET", "/v1/tickets").status, 401);
  EXPECT_EQ(Call(b, user, "GET", "/v1/tickets").status, 401);
}

std::string IdOf(const std::string& json) {
  const size_t at = json.find(R"("id":")");
  if (at == std::string::npos) return "";
  return json.substr(at + 6, json.find('"', at + 6) - at - 6);
}

int CountOf(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = 0; (at = text.find(needle, at)) != std::string::npos;
       at += needle.size()) {
    ++count;
  }
  return count;
}

}  // namespace helpdesk::e2e
