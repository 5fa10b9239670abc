#ifndef HELPDESK_TESTS_E2E_SUPPORT_H_
#define HELPDESK_TESTS_E2E_SUPPORT_H_

// What the end-to-end tests share: the split binaries' test settings, and
// what they do through a gateway with a real HTTP client (sign in, call a
// route with the session cookie, wait for asynchronous effects).

#include <string>

#include "gateway/testing/http_client.h"
#include "libs/testing/replica_set.h"

namespace helpdesk::e2e {

using ::helpdesk::gateway::testing::TestResponse;

// The split binaries as the end-to-end tests run them: cheap password
// hashing, no periodic escalation sweep; `replicas` of each service and
// `gateways` gateways on `database_url` (empty: SQLite in `work_dir`).
testing::ReplicaSetOptions TestReplicaSet(const std::string& work_dir,
                                          const std::string& database_url,
                                          int replicas, int gateways);

// One request on a new connection to the gateway on 127.0.0.1:`port`, as
// the session `cookie` ("sid=...", or empty). A gateway that does not answer
// (refused, reset, timed out) gives status 0.
TestResponse Call(int port, const std::string& cookie,
                  const std::string& method, const std::string& target,
                  const std::string& body = "");

// Signs in with the demo password; the session cookie, or "" (with a test
// failure) if the login is refused.
std::string SignIn(int port, const std::string& email);

// Polls GET `target` until its body contains `needle` (outboxes and the job
// queue deliver asynchronously), for at most 30 s.
bool Eventually(int port, const std::string& cookie, const std::string& target,
                const std::string& needle);

// The whole flow of the product through gateways `a` and `b` in turn (the
// same port twice for one gateway): sign-in, tickets (create, edit, search,
// filter, page), assignment and status change notifying the right people
// once, the audit trail with before/after, the login rate limit, logout
// seen everywhere within 2 s. Fails the running test where it breaks.
void RunLifecycle(int a, int b);

// The first "id" in a JSON ticket, job or notification.
std::string IdOf(const std::string& json);

// How often `needle` occurs in `text`.
int CountOf(const std::string& text, const std::string& needle);

}  // namespace helpdesk::e2e

#endif  // HELPDESK_TESTS_E2E_SUPPORT_H_
