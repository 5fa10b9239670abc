#include "services/auth/auth_store.h"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/clients/audit_client.h"
#include "libs/db/sql.h"
#include "libs/status/status_macros.h"
#include "libs/status/status_matchers.h"
#include "libs/testing/store_engines.h"
#include "services/auth/session_token.h"

namespace helpdesk::auth {
namespace {

using ::helpdesk::testing::IsOk;
using ::helpdesk::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr Role kUser = ::helpdesk::auth::v1::User::USER;
constexpr Role kAdmin = ::helpdesk::auth::v1::User::ADMIN;
const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);
// The service's defaults: idle 30 min, absolute 8 h, touch every minute.
const SessionPolicy kPolicy;

class AuthStoreTest : public helpdesk::testing::EngineTest {
 protected:
  void SetUp() override {
    auto store = AuthStore::Open(NewLocation("auth"));
    ASSERT_THAT(store, IsOk());
    store_ = std::move(*store);
  }

  static UserRecord NewUser(const std::string& email, Role role = kUser) {
    UserRecord user;
    user.email = email;
    user.name = "Name of " + email;
    user.role = role;
    user.password_hash = "$argon2id$v=19$m=64,t=1,p=1$salt$hash";
    user.create_time = kT0;
    return user;
  }

  // Creates `email` with an audit payload naming its id; fails the test if
  // the store refuses.
  UserRecord Create(const std::string& email, Role role = kUser) {
    auto created = store_->CreateUser(NewUser(email, role), [](const auto& u) {
      return absl::StrCat("user.created ", u.id);
    });
    EXPECT_THAT(created, IsOk());
    return created.ok() ? *created : UserRecord{};
  }

  // Signs `user_id` in at `now` with a fresh token digest, which it returns.
  std::string Login(int64_t user_id, absl::Time now,
                    const std::optional<std::string>& revoke = std::nullopt) {
    const std::string digest = SessionTokenDigest(NewSessionToken());
    EXPECT_THAT(store_->StartSession(
                    {digest, user_id, now, now + kPolicy.absolute_lifetime},
                    std::nullopt, revoke, "user.login"),
                IsOk());
    return digest;
  }

  static std::vector<int64_t> Ids(const std::vector<UserRecord>& users) {
    std::vector<int64_t> ids;
    for (const UserRecord& user : users) ids.push_back(user.id);
    return ids;
  }

  // Runs a query on the store's database, as an operator would.
  db::Rows Query(const std::string& sql, std::vector<db::Value> params = {}) {
    db::Rows rows;
    EXPECT_THAT(store_->db().Read([&](db::Connection& db) -> absl::Status {
      ASSIGN_OR_RETURN(rows, db.Query(sql, params));
      return absl::OkStatus();
    }),
                IsOk());
    return rows;
  }

  int64_t CountRows(const std::string& table) {
    return Query("SELECT COUNT(*) FROM " + table).Int64(0, 0);
  }

  // The audit payloads waiting in the outbox, in delivery order.
  std::vector<std::string> AuditOutbox() {
    db::Rows rows =
        Query("SELECT payload FROM outbox WHERE destination = ? ORDER BY id",
              {clients::kAuditDestination});
    std::vector<std::string> payloads;
    for (int r = 0; r < rows.size(); ++r) payloads.push_back(rows.Text(r, 0));
    return payloads;
  }

  // The recorded last use of the session `digest`.
  absl::Time LastSeen(const std::string& digest) {
    db::Rows rows =
        Query("SELECT last_seen_time FROM sessions WHERE token_digest = ?",
              {db::Value::Bytes(digest)});
    EXPECT_EQ(rows.size(), 1);
    return absl::FromUnixMicros(rows.empty() ? 0 : rows.Int64(0, 0));
  }

  // Every byte of the SQLite database and its WAL.
  std::string FileBytes() {
    std::string bytes;
    const std::string path = dir_.File("auth.db");
    for (const std::string& file : {path, path + "-wal"}) {
      std::ifstream in(file, std::ios::binary);
      bytes.append(std::istreambuf_iterator<char>(in), {});
    }
    return bytes;
  }

  std::unique_ptr<AuthStore> store_;
};
HELPDESK_INSTANTIATE_ENGINES(AuthStoreTest);

TEST_P(AuthStoreTest, CreatedUserIsStoredAsGiven) {
  const UserRecord created = Create("usera@example.com", kAdmin);
  EXPECT_GT(created.id, 0);
  auto stored = store_->GetUser(created.id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->email, "usera@example.com");
  EXPECT_EQ(stored->name, "Name of usera@example.com");
  EXPECT_EQ(stored->role, kAdmin);
  EXPECT_EQ(stored->password_hash, "$argon2id$v=19$m=64,t=1,p=1$salt$hash");
  EXPECT_EQ(stored->create_time, kT0);
}

TEST_P(AuthStoreTest, DuplicateEmailIsAlreadyExists) {
  Create("usera@example.com");
  EXPECT_THAT(store_->CreateUser(NewUser("usera@example.com", kAdmin),
                                 [](const auto&) { return "second"; }),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("already registered")));
  EXPECT_EQ(CountRows("users"), 1);
}

TEST_P(AuthStoreTest, CreateUserIfMissingLeavesAnExistingUserAlone) {
  const UserRecord first = Create("usera@example.com");
  auto existing =
      store_->CreateUserIfMissing(NewUser("usera@example.com", kAdmin));
  ASSERT_THAT(existing, IsOk());
  EXPECT_FALSE(*existing);
  auto stored = store_->GetUser(first.id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->role, kUser);
  auto missing = store_->CreateUserIfMissing(NewUser("userb@example.com"));
  ASSERT_THAT(missing, IsOk());
  EXPECT_TRUE(*missing);
  EXPECT_EQ(CountRows("users"), 2);
}

TEST_P(AuthStoreTest, FindUserByEmailReturnsThatUser) {
  Create("usera@example.com");
  const UserRecord b = Create("userb@example.com");
  auto found = store_->FindUserByEmail("userb@example.com");
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->id, b.id);
  EXPECT_EQ(found->email, "userb@example.com");
}

TEST_P(AuthStoreTest, UnknownEmailIsNotFound) {
  Create("usera@example.com");
  EXPECT_THAT(store_->FindUserByEmail("nobody@example.com"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->FindUserByEmail(""),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->GetUser(999), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(AuthStoreTest, GetUsersReturnsTheKnownIdsInIdOrder) {
  const UserRecord a = Create("usera@example.com");
  const UserRecord b = Create("userb@example.com");
  auto users = store_->GetUsers({b.id, 999, a.id});
  ASSERT_THAT(users, IsOk());
  EXPECT_THAT(Ids(*users), ElementsAre(a.id, b.id));
  EXPECT_THAT(store_->GetUsers(std::vector<int64_t>(1001, a.id)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(AuthStoreTest, ListUsersByRolePagesInIdOrder) {
  const UserRecord admin_a = Create("admina@example.com", kAdmin);
  Create("usera@example.com", kUser);
  const UserRecord admin_b = Create("adminb@example.com", kAdmin);
  Create("userb@example.com", kUser);
  const UserRecord admin_c = Create("adminc@example.com", kAdmin);

  auto first = store_->ListUsers(kAdmin, 0, 2);
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(Ids(*first), ElementsAre(admin_a.id, admin_b.id));
  auto second = store_->ListUsers(kAdmin, first->back().id, 2);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(Ids(*second), ElementsAre(admin_c.id));
  auto past_the_end = store_->ListUsers(kAdmin, admin_c.id, 2);
  ASSERT_THAT(past_the_end, IsOk());
  EXPECT_THAT(*past_the_end, IsEmpty());
}

TEST_P(AuthStoreTest, ListUsersWithoutARoleListsEveryone) {
  const UserRecord a = Create("usera@example.com", kUser);
  const UserRecord b = Create("admina@example.com", kAdmin);
  const UserRecord c = Create("userb@example.com", kUser);
  auto all =
      store_->ListUsers(::helpdesk::auth::v1::User::ROLE_UNSPECIFIED, 0, 10);
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(Ids(*all), ElementsAre(a.id, b.id, c.id));
}

TEST_P(AuthStoreTest, StartSessionStoresOnlyTheTokenDigest) {
  const UserRecord user = Create("usera@example.com");
  const std::string token = NewSessionToken();
  const std::string digest = SessionTokenDigest(token);
  ASSERT_THAT(store_->StartSession({digest, user.id, kT0, kT0 + absl::Hours(8)},
                                   std::nullopt, std::nullopt, "user.login"),
              IsOk());

  db::Rows sessions = Query("SELECT token_digest, user_id FROM sessions");
  ASSERT_EQ(sessions.size(), 1);
  EXPECT_EQ(sessions.Text(0, 0), digest);
  EXPECT_EQ(sessions.Int64(0, 1), user.id);
  if (!postgres()) {
    EXPECT_THAT(FileBytes(), Not(HasSubstr(token)));
  }
  EXPECT_THAT(store_->ResolveSession(digest, kT0, kPolicy), IsOk());
}

TEST_P(AuthStoreTest, StartSessionCanReplaceThePasswordHash) {
  const UserRecord user = Create("usera@example.com");
  ASSERT_THAT(store_->StartSession({SessionTokenDigest(NewSessionToken()),
                                    user.id, kT0, kT0 + absl::Hours(8)},
                                   std::string("$argon2id$rehashed"),
                                   std::nullopt, "login"),
              IsOk());
  auto stored = store_->GetUser(user.id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->password_hash, "$argon2id$rehashed");
}

TEST_P(AuthStoreTest, LoginRevokesTheSessionTheCallerPresented) {
  const UserRecord user = Create("usera@example.com");
  const std::string planted = Login(user.id, kT0);
  const std::string fresh = Login(user.id, kT0, planted);
  EXPECT_THAT(store_->ResolveSession(planted, kT0, kPolicy),
              StatusIs(absl::StatusCode::kUnauthenticated));
  auto resolved = store_->ResolveSession(fresh, kT0, kPolicy);
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->principal.user_id, user.id);
  EXPECT_EQ(CountRows("sessions"), 1);
}

TEST_P(AuthStoreTest, ResolvedSessionCarriesTheUsersRole) {
  const UserRecord admin = Create("admina@example.com", kAdmin);
  auto resolved = store_->ResolveSession(Login(admin.id, kT0), kT0, kPolicy);
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(resolved->principal.user_id, admin.id);
  EXPECT_EQ(resolved->principal.role, kAdmin);
}

TEST_P(AuthStoreTest, UnknownSessionIsUnauthenticated) {
  EXPECT_THAT(
      store_->ResolveSession(SessionTokenDigest("made up"), kT0, kPolicy),
      StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthStoreTest, EndSessionDeletesItAndReturnsItsUser) {
  const UserRecord user = Create("usera@example.com");
  const std::string digest = Login(user.id, kT0);
  auto ended = store_->EndSession(digest, kT0 + absl::Minutes(5),
                                  [](const auto&) { return "user.logout"; });
  ASSERT_THAT(ended, IsOk());
  EXPECT_EQ(ended->id, user.id);
  EXPECT_EQ(CountRows("sessions"), 0);
  EXPECT_THAT(store_->ResolveSession(digest, kT0 + absl::Minutes(5), kPolicy),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthStoreTest, EndingAnUnknownSessionIsUnauthenticated) {
  EXPECT_THAT(store_->EndSession(SessionTokenDigest("made up"), kT0,
                                 [](const auto&) { return "user.logout"; }),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthStoreTest, UseWithinTheTouchIntervalIsNotWritten) {
  const UserRecord user = Create("usera@example.com");
  const std::string digest = Login(user.id, kT0);
  auto resolved =
      store_->ResolveSession(digest, kT0 + absl::Seconds(59), kPolicy);
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(LastSeen(digest), kT0);
  EXPECT_EQ(resolved->expire_time, kT0 + absl::Minutes(30));
}

TEST_P(AuthStoreTest, UseAfterTheTouchIntervalExtendsTheIdleExpiry) {
  const UserRecord user = Create("usera@example.com");
  const std::string digest = Login(user.id, kT0);
  const absl::Time later = kT0 + absl::Minutes(20);
  auto resolved = store_->ResolveSession(digest, later, kPolicy);
  ASSERT_THAT(resolved, IsOk());
  EXPECT_EQ(LastSeen(digest), later);
  EXPECT_EQ(resolved->expire_time, later + absl::Minutes(30));
  // Alive past the first idle deadline, because it was used.
  EXPECT_THAT(store_->ResolveSession(digest, kT0 + absl::Minutes(40), kPolicy),
              IsOk());
}

TEST_P(AuthStoreTest, SessionIdleForTheIdleTimeoutHasExpired) {
  const UserRecord user = Create("usera@example.com");
  const std::string digest = Login(user.id, kT0);
  EXPECT_THAT(store_->ResolveSession(digest, kT0 + absl::Minutes(30), kPolicy),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthStoreTest, SessionInUseStillEndsAtItsAbsoluteExpiry) {
  const UserRecord user = Create("usera@example.com");
  const std::string digest = Login(user.id, kT0);
  const absl::Time absolute = kT0 + absl::Hours(8);
  // Used every 20 minutes, so never idle, up to 7 h 40 min.
  for (absl::Time now = kT0; now <= absolute - absl::Minutes(20);
       now += absl::Minutes(20)) {
    ASSERT_THAT(store_->ResolveSession(digest, now, kPolicy), IsOk()) << now;
  }
  // Within the idle timeout of the end, the end is the absolute expiry.
  auto last =
      store_->ResolveSession(digest, absolute - absl::Minutes(1), kPolicy);
  ASSERT_THAT(last, IsOk());
  EXPECT_EQ(last->expire_time, absolute);
  EXPECT_THAT(store_->ResolveSession(digest, absolute, kPolicy),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_P(AuthStoreTest, PurgeDeletesIdleAndOverAgeSessionsOnly) {
  const UserRecord user = Create("usera@example.com");
  const absl::Time now = kT0 + absl::Hours(1);
  Login(user.id, kT0);  // idle since kT0: past the idle timeout at `now`
  const std::string over_age = SessionTokenDigest(NewSessionToken());
  ASSERT_THAT(
      store_->StartSession({over_age, user.id, now - absl::Minutes(5), now},
                           std::nullopt, std::nullopt, "user.login"),
      IsOk());
  const std::string live = Login(user.id, now - absl::Minutes(5));

  auto purged = store_->PurgeExpiredSessions(now, kPolicy);
  ASSERT_THAT(purged, IsOk());
  EXPECT_EQ(*purged, 2);
  EXPECT_EQ(CountRows("sessions"), 1);
  EXPECT_THAT(store_->ResolveSession(live, now, kPolicy), IsOk());
  auto again = store_->PurgeExpiredSessions(now, kPolicy);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, 0);
}

TEST_P(AuthStoreTest, EveryChangeQueuesItsAuditEventInTheOutbox) {
  const UserRecord user = Create("usera@example.com");
  const std::string digest = Login(user.id, kT0);
  ASSERT_THAT(store_->EndSession(digest, kT0,
                                 [](const UserRecord& u) {
                                   return absl::StrCat("user.logout ", u.id);
                                 }),
              IsOk());
  EXPECT_THAT(AuditOutbox(),
              ElementsAre(absl::StrCat("user.created ", user.id), "user.login",
                          absl::StrCat("user.logout ", user.id)));
  EXPECT_EQ(CountRows("outbox"), 3);
}

TEST_P(AuthStoreTest, RefusedChangesQueueNoAuditEvent) {
  const UserRecord user = Create("usera@example.com");
  const std::string digest = Login(user.id, kT0);
  ASSERT_EQ(CountRows("outbox"), 2);

  EXPECT_THAT(store_->CreateUser(NewUser("usera@example.com"),
                                 [](const auto&) { return "duplicate"; }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store_->EndSession(SessionTokenDigest("made up"), kT0,
                                 [](const auto&) { return "logout"; }),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(CountRows("outbox"), 2);
}

TEST_P(AuthStoreTest, FailedLoginRollsBackItsRevocationAndAuditEvent) {
  const UserRecord user = Create("usera@example.com");
  const std::string presented = Login(user.id, kT0);
  const std::string taken = Login(user.id, kT0);
  ASSERT_EQ(CountRows("outbox"), 3);
  // A digest that exists already: the insert fails after the revocation
  // and the rehash ran, and the whole transaction rolls back.
  EXPECT_THAT(store_->StartSession({taken, user.id, kT0, kT0 + absl::Hours(8)},
                                   std::string("$argon2id$rehashed"), presented,
                                   "user.login"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(store_->ResolveSession(presented, kT0, kPolicy), IsOk());
  auto stored = store_->GetUser(user.id);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->password_hash, "$argon2id$v=19$m=64,t=1,p=1$salt$hash");
  EXPECT_EQ(CountRows("outbox"), 3);
}

}  // namespace
}  // namespace helpdesk::auth
