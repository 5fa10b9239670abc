#ifndef HELPDESK_LIBS_PAGING_PAGE_TOKEN_H_
#define HELPDESK_LIBS_PAGING_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace helpdesk::paging {

// AIP-158 paging helpers shared by every List RPC.
//
// Page tokens are opaque to clients and tamper-proof: the cursor (where the
// next page starts, e.g. the last row's key) is authenticated with
// HMAC-SHA256 under a server key and bound to a `scope` — the method and its
// filters — so a forged token, an edited one, or one from another query is
// INVALID_ARGUMENT. Thread-safe (immutable after construction).
class PageTokenCodec final {
 public:
  explicit PageTokenCodec(std::string key);

  std::string Encode(absl::string_view scope, absl::string_view cursor) const;

  // The cursor inside `token`; INVALID_ARGUMENT (field `page_token`) when the
  // token was not made by Encode with this key and scope.
  absl::StatusOr<std::string> Decode(absl::string_view scope,
                                     absl::string_view token) const;

 private:
  std::string Mac(absl::string_view scope, absl::string_view cursor) const;

  std::string key_;
};

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// The page size to use: `requested`, or the default when 0, clamped to the
// maximum. Negative is INVALID_ARGUMENT (field `page_size`).
absl::StatusOr<int> EffectivePageSize(int requested,
                                      int default_size = kDefaultPageSize,
                                      int max_size = kMaxPageSize);

}  // namespace helpdesk::paging

#endif  // HELPDESK_LIBS_PAGING_PAGE_TOKEN_H_
