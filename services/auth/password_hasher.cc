#include "services/auth/password_hasher.h"

#include <argon2.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace helpdesk::auth {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

}  // namespace

PasswordHasher::PasswordHasher(Params params) : params_(params) {
  unsigned char random[24];
  if (RAND_bytes(random, sizeof(random)) != 1) std::abort();
  absl::StatusOr<std::string> dummy = Hash(
      absl::string_view(reinterpret_cast<const char*>(random), sizeof(random)));
  if (!dummy.ok()) std::abort();
  dummy_hash_ = *std::move(dummy);
}

absl::StatusOr<std::string> PasswordHasher::Hash(
    absl::string_view password) const {
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof(salt)) != 1) {
    return absl::InternalError("no randomness for a salt");
  }
  const size_t encoded_length =
      argon2_encodedlen(params_.iterations, params_.memory_kib,
                        params_.parallelism, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(encoded_length, '\0');
  const int result = argon2id_hash_encoded(
      params_.iterations, params_.memory_kib, params_.parallelism,
      password.data(), password.size(), salt, sizeof(salt), kHashBytes,
      encoded.data(), encoded.size());
  if (result != ARGON2_OK) {
    return absl::InternalError(
        absl::StrCat("argon2id: ", argon2_error_message(result)));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool PasswordHasher::Verify(absl::string_view encoded,
                            absl::string_view password) const {
  const std::string terminated(encoded);
  return argon2id_verify(terminated.c_str(), password.data(),
                         password.size()) == ARGON2_OK;
}

void PasswordHasher::VerifyUnknownUser(absl::string_view password) const {
  // The result is meaningless; the point is the time it takes.
  (void)Verify(dummy_hash_, password);
}

bool PasswordHasher::NeedsRehash(absl::string_view encoded) const {
  const std::string expected_prefix = absl::StrCat(
      "$argon2id$v=", ARGON2_VERSION_NUMBER, "$m=", params_.memory_kib,
      ",t=", params_.iterations, ",p=", params_.parallelism, "$");
  return encoded.substr(0, expected_prefix.size()) != expected_prefix;
}

}  // namespace helpdesk::auth
