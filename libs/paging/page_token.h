#ifndef HELPDESK_LIBS_PAGING_PAGE_TOKEN_H_
#define HELPDESK_LIBS_PAGING_PAGE_TOKEN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

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

  // Keyset paging: the sort keys of the last row a page returned (e.g.
  // {id}, or {create_time, id}) as a token, and back. DecodeKeys answers
  // INVALID_ARGUMENT (field `page_token`), the same for every List RPC,
  // unless `token` came from EncodeKeys with this key, scope and as many
  // keys as `count`.
  std::string EncodeKeys(absl::string_view scope,
                         absl::Span<const int64_t> keys) const;
  absl::StatusOr<std::vector<int64_t>> DecodeKeys(absl::string_view scope,
                                                  absl::string_view token,
                                                  size_t count) const;

 private:
  std::string Mac(absl::string_view scope, absl::string_view cursor) const;

  std::string key_;
};

// The page-token key of a service whose deployment shares `service_token`
// (every replica of a service must use the same key).
std::string PageTokenKey(absl::string_view service_token);

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;
// Most bytes of items one page holds (see PageBudget).
inline constexpr size_t kMaxPageBytes = 1 << 20;

// Bounds a page by the bytes of its items as well as by their count, so a
// reply never comes near gRPC's message limit however large the items are:
// a page may hold fewer items than asked for, with a next_page_token
// (AIP-158 allows that). Usage, while filling a response:
//   PageBudget budget;
//   for (...) {
//     Item item = ...;
//     if (!budget.Take(item.ByteSizeLong())) { more = true; break; }
//     *response.add_items() = std::move(item);
//   }
// Not thread-safe.
class PageBudget final {
 public:
  explicit PageBudget(size_t max_bytes = kMaxPageBytes)
      : max_bytes_(max_bytes) {}

  // Counts an item of `bytes` and returns true if it fits; the first item
  // always fits (a page is never empty while items remain).
  bool Take(size_t bytes) {
    if (taken_ > 0 && used_ + bytes > max_bytes_) return false;
    used_ += bytes;
    ++taken_;
    return true;
  }

 private:
  const size_t max_bytes_;
  size_t used_ = 0;
  int taken_ = 0;
};

// The page size to use: `requested`, or the default when 0, clamped to the
// maximum. Negative is INVALID_ARGUMENT (field `page_size`).
absl::StatusOr<int> EffectivePageSize(int requested,
                                      int default_size = kDefaultPageSize,
                                      int max_size = kMaxPageSize);

}  // namespace helpdesk::paging

#endif  // HELPDESK_LIBS_PAGING_PAGE_TOKEN_H_
