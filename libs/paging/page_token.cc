#include "libs/paging/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/status/error_details.h"
#include "libs/status/status_macros.h"

namespace helpdesk::paging {
namespace {

constexpr size_t kMacBytes = 16;

absl::Status BadToken() {
  return InvalidArgumentWithViolations(
      "invalid page_token", {{"page_token",
                              "not a token from the previous page of this "
                              "same query; start again without one"}});
}

}  // namespace

PageTokenCodec::PageTokenCodec(std::string key) : key_(std::move(key)) {}

std::string PageTokenCodec::Mac(absl::string_view scope,
                                absl::string_view cursor) const {
  const std::string message = absl::StrCat(scope.size(), ":", scope, cursor);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), kMacBytes);
}

std::string PageTokenCodec::Encode(absl::string_view scope,
                                   absl::string_view cursor) const {
  return absl::WebSafeBase64Escape(absl::StrCat(Mac(scope, cursor), cursor));
}

absl::StatusOr<std::string> PageTokenCodec::Decode(
    absl::string_view scope, absl::string_view token) const {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() < kMacBytes) {
    return BadToken();
  }
  absl::string_view mac = absl::string_view(raw).substr(0, kMacBytes);
  absl::string_view cursor = absl::string_view(raw).substr(kMacBytes);
  const std::string expected = Mac(scope, cursor);
  if (CRYPTO_memcmp(mac.data(), expected.data(), kMacBytes) != 0) {
    return BadToken();
  }
  return std::string(cursor);
}

std::string PageTokenCodec::EncodeKeys(absl::string_view scope,
                                       absl::Span<const int64_t> keys) const {
  return Encode(scope, absl::StrJoin(keys, ":"));
}

absl::StatusOr<std::vector<int64_t>> PageTokenCodec::DecodeKeys(
    absl::string_view scope, absl::string_view token, size_t count) const {
  ASSIGN_OR_RETURN(std::string cursor, Decode(scope, token));
  std::vector<int64_t> keys;
  for (absl::string_view part : absl::StrSplit(cursor, ':')) {
    int64_t key = 0;
    if (!absl::SimpleAtoi(part, &key)) return BadToken();
    keys.push_back(key);
  }
  if (keys.size() != count) return BadToken();
  return keys;
}

std::string PageTokenKey(absl::string_view service_token) {
  return absl::StrCat("page-tokens:", service_token);
}

absl::StatusOr<int> EffectivePageSize(int requested, int default_size,
                                      int max_size) {
  if (requested < 0) {
    return InvalidArgumentWithViolations(
        "invalid page_size", {{"page_size", "must not be negative"}});
  }
  if (requested == 0) return default_size;
  return requested > max_size ? max_size : requested;
}

}  // namespace helpdesk::paging
