#ifndef HELPDESK_SERVICES_AUTH_AUTH_STORE_H_
#define HELPDESK_SERVICES_AUTH_AUTH_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "libs/auth/principal.h"
#include "libs/db/reader_pool.h"
#include "libs/db/store.h"

namespace helpdesk::auth {

struct UserRecord {
  int64_t id = 0;
  std::string email;
  std::string name;
  Role role = ::helpdesk::auth::v1::User::ROLE_UNSPECIFIED;
  std::string password_hash;
  absl::Time create_time;
};

struct NewSession {
  std::string token_digest;
  int64_t user_id = 0;
  absl::Time now;
  absl::Time absolute_expire_time;
};

// How long sessions live: `idle_timeout` after their last use, and never
// past `absolute_lifetime` after login. Use is recorded at most every
// `touch_interval`, so resolving a token is not a write each time.
struct SessionPolicy {
  absl::Duration idle_timeout = absl::Minutes(30);
  absl::Duration absolute_lifetime = absl::Hours(8);
  absl::Duration touch_interval = absl::Minutes(1);
};

struct ResolvedSession {
  Principal principal;
  absl::Time expire_time;  // the earlier of idle and absolute expiry
};

// Builds the audit outbox payload of a change once the stored row is known.
using AuditPayloadFn = absl::FunctionRef<std::string(const UserRecord&)>;

// Every SQL statement of the auth service: users, sessions, and the audit
// events they emit, which go into the outbox in the same transaction as the
// change. Errors are absl::Status (no exception leaves the store).
//
// Thread-safe. Changes are serialised writes on a db::Store; the lookups
// (FindUserByEmail, GetUser, GetUsers, ListUsers and ResolveSession's, which
// writes only to record a session's use every touch_interval) are reads, in
// parallel on the store's readers, and see every change committed before
// they start.
class AuthStore final {
 public:
  // Opens (creating and migrating) the service's database at `location`.
  static absl::StatusOr<std::unique_ptr<AuthStore>> Open(
      const db::Location& location);

  // The store underneath, for the outbox relay.
  db::Store& db() { return *store_; }

  // Inserts a user; ALREADY_EXISTS when the email is taken.
  absl::StatusOr<UserRecord> CreateUser(const UserRecord& user,
                                        AuditPayloadFn audit);

  // Like CreateUser without an audit event, and OK when the email exists
  // already (demo seeding). Returns true if it inserted.
  absl::StatusOr<bool> CreateUserIfMissing(const UserRecord& user);

  // NOT_FOUND when no user has that (normalised) email.
  absl::StatusOr<UserRecord> FindUserByEmail(absl::string_view email);
  absl::StatusOr<UserRecord> GetUser(int64_t id);
  absl::StatusOr<std::vector<UserRecord>> GetUsers(
      absl::Span<const int64_t> ids);
  // Users with id > after_id (and `role` unless unspecified), by id.
  absl::StatusOr<std::vector<UserRecord>> ListUsers(Role role, int64_t after_id,
                                                    int limit);

  // Starts a session for a user who proved their password: optionally
  // replaces the password hash (rehash) and revokes the session the caller
  // presented, and records the audit event — all in one transaction.
  absl::Status StartSession(const NewSession& session,
                            const std::optional<std::string>& new_password_hash,
                            const std::optional<std::string>& revoke_digest,
                            const std::string& audit_payload);

  // The principal of a live session, refreshing its last use; UNAUTHENTICATED
  // for unknown or expired sessions.
  absl::StatusOr<ResolvedSession> ResolveSession(absl::string_view token_digest,
                                                 absl::Time now,
                                                 const SessionPolicy& policy);

  // Deletes a session and records the audit event; UNAUTHENTICATED when the
  // session does not exist. Returns the user it belonged to.
  absl::StatusOr<UserRecord> EndSession(absl::string_view token_digest,
                                        absl::Time now, AuditPayloadFn audit);

  // Deletes expired sessions; returns how many.
  absl::StatusOr<int> PurgeExpiredSessions(absl::Time now,
                                           const SessionPolicy& policy);

 private:
  explicit AuthStore(std::unique_ptr<db::Store> store)
      : store_(std::move(store)) {}

  // The writer, its checkpointer and the readers of the file.
  const std::unique_ptr<db::Store> store_;
};

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_AUTH_STORE_H_
