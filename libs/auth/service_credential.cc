#include "libs/auth/service_credential.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/log/log.h"

namespace helpdesk::auth {
namespace {
constexpr size_t kMinTokenLength = 32;
}  // namespace

std::string GenerateServiceToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

absl::StatusOr<std::string> ReadServiceToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read the service token file ", path));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(contents.str()));
  if (token.size() < kMinTokenLength) {
    return absl::FailedPreconditionError(
        absl::StrCat("the service token in ", path, " is shorter than ",
                     kMinTokenLength, " characters"));
  }
  return token;
}

absl::StatusOr<std::string> LoadOrGenerateServiceToken(
    const std::string& path) {
  if (!path.empty()) return ReadServiceToken(path);
  LogWarning("no_service_token_file",
             {{"effect", "internal RPCs accept no other process"}});
  return GenerateServiceToken();
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace helpdesk::auth
