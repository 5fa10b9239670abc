#ifndef HELPDESK_SERVICES_AUTH_PASSWORD_HASHER_H_
#define HELPDESK_SERVICES_AUTH_PASSWORD_HASHER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helpdesk::auth {

// Argon2id password hashing (libargon2) with PHC-encoded hash strings such
// as "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>".
//
// The defaults are OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane).
// Verification is constant-time (libargon2). VerifyUnknownUser() spends the
// same work as a real verification, so a login for an email that does not
// exist takes as long as a wrong password. Thread-safe (immutable).
class PasswordHasher final {
 public:
  struct Params {
    uint32_t memory_kib = 19 * 1024;
    uint32_t iterations = 2;
    uint32_t parallelism = 1;
  };

  explicit PasswordHasher(Params params);

  // A new encoded hash of `password` with a fresh random salt.
  absl::StatusOr<std::string> Hash(absl::string_view password) const;

  // True if `password` matches `encoded`. False for malformed hashes.
  bool Verify(absl::string_view encoded, absl::string_view password) const;

  // Burns the work of one Verify() against a hash of a random password.
  void VerifyUnknownUser(absl::string_view password) const;

  // True when `encoded` was made with other parameters than ours, so it
  // should be replaced at the next successful login.
  bool NeedsRehash(absl::string_view encoded) const;

 private:
  Params params_;
  std::string dummy_hash_;
};

}  // namespace helpdesk::auth

#endif  // HELPDESK_SERVICES_AUTH_PASSWORD_HASHER_H_
