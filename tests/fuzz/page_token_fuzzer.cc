// libFuzzer target: page-token decoding (libs/paging).
//
// The input is a scope and a token, "scope\ntoken" (without a newline, the
// whole input is the token of the first ticket listing's scope): what a
// client sends back as page_token. It is decoded with a fixed key, as every
// List RPC does with its server key. Then the same bytes are used as a
// cursor and encoded.
//
// The token is decoded both ways the List RPCs do: Decode (the cursor as
// bytes) and DecodeKeys (keyset paging: one or two int64 sort keys).
//
// Checked beyond "no crash": a failure is INVALID_ARGUMENT; a token that
// decodes re-encodes to a token that decodes to the same cursor (the same
// keys), and is refused under another scope or key; any cursor survives
// Encode/Decode, and any keys EncodeKeys/DecodeKeys (and are refused as
// another number of keys); a token is URL-safe, bound to its scope (also
// against moving bytes between scope and cursor) and key, and a token with
// one character changed is refused or yields the very same cursor;
// EffectivePageSize keeps sizes in [1, max] and refuses exactly the
// negative ones.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/paging/page_token.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/page_token_fuzz.h"

namespace helpdesk::paging {
namespace {

constexpr absl::string_view kWebSafe =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool IsUrlSafe(absl::string_view token) {
  for (char c : token) {
    if (kWebSafe.find(c) == absl::string_view::npos) return false;
  }
  return true;
}

template <typename T>
void CheckRefused(const absl::StatusOr<T>& decoded) {
  FUZZ_CHECK(!decoded.ok());
  FUZZ_CHECK(decoded.status().code() == absl::StatusCode::kInvalidArgument);
}

// The token a client sent, for a listing paged by `count` keys.
void CheckDecodeKeys(const PageTokenCodec& codec, absl::string_view scope,
                     absl::string_view token, size_t count) {
  absl::StatusOr<std::vector<int64_t>> keys =
      codec.DecodeKeys(scope, token, count);
  if (!keys.ok()) {
    CheckRefused(keys);
    return;
  }
  FUZZ_CHECK(keys->size() == count);
  absl::StatusOr<std::vector<int64_t>> again =
      codec.DecodeKeys(scope, codec.EncodeKeys(scope, *keys), count);
  FUZZ_CHECK(again.ok() && *again == *keys);
  CheckRefused(codec.DecodeKeys(scope, token, count + 1));
}

// Keys from the input's bytes, as a server would page with them.
void CheckEncodeKeys(const PageTokenCodec& codec, absl::string_view scope,
                     absl::string_view bytes) {
  std::vector<int64_t> keys;
  for (size_t i = 0; i < 3 && i * 8 < bytes.size(); ++i) {
    int64_t key = 0;
    std::memcpy(&key, bytes.data() + i * 8,
                std::min<size_t>(8, bytes.size() - i * 8));
    keys.push_back(key);
  }
  if (keys.empty()) return;
  const std::string token = codec.EncodeKeys(scope, keys);
  FUZZ_CHECK(IsUrlSafe(token));
  absl::StatusOr<std::vector<int64_t>> decoded =
      codec.DecodeKeys(scope, token, keys.size());
  FUZZ_CHECK(decoded.ok() && *decoded == keys);
  CheckRefused(codec.DecodeKeys(scope, token, keys.size() + 1));
  CheckRefused(codec.DecodeKeys(absl::StrCat(scope, ":"), token, keys.size()));
}

// The token a client sent.
void CheckDecode(const PageTokenCodec& codec, const PageTokenCodec& other,
                 absl::string_view scope, absl::string_view token) {
  absl::StatusOr<std::string> cursor = codec.Decode(scope, token);
  if (!cursor.ok()) {
    CheckRefused(cursor);
    return;
  }
  const std::string again = codec.Encode(scope, *cursor);
  absl::StatusOr<std::string> cursor_again = codec.Decode(scope, again);
  FUZZ_CHECK(cursor_again.ok() && *cursor_again == *cursor);
  CheckRefused(codec.Decode(absl::StrCat(scope, "/"), token));
  CheckRefused(other.Decode(scope, token));
}

// `cursor` as a server would page with it.
void CheckEncode(const PageTokenCodec& codec, const PageTokenCodec& other,
                 absl::string_view scope, absl::string_view cursor) {
  const std::string token = codec.Encode(scope, cursor);
  FUZZ_CHECK(IsUrlSafe(token));
  absl::StatusOr<std::string> decoded = codec.Decode(scope, token);
  FUZZ_CHECK(decoded.ok() && *decoded == cursor);
  CheckRefused(codec.Decode(absl::StrCat(scope, "x"), token));
  CheckRefused(other.Decode(scope, token));
  if (!cursor.empty()) {
    // The scope's length is part of what is authenticated.
    CheckRefused(codec.Decode(
        scope, codec.Encode(absl::StrCat(scope, cursor.substr(0, 1)),
                            cursor.substr(1))));
  }
  // One character changed: refused, or (padding bits only) the same cursor.
  const size_t at = (scope.size() * 31 + cursor.size()) % token.size();
  std::string tampered = token;
  const size_t index = kWebSafe.find(tampered[at]);
  tampered[at] = kWebSafe[(index + 1 + cursor.size() % 63) % 64];
  absl::StatusOr<std::string> result = codec.Decode(scope, tampered);
  if (result.ok()) {
    FUZZ_CHECK(*result == cursor);
  } else {
    CheckRefused(result);
  }
}

void CheckPageSize(absl::string_view input) {
  int32_t requested = 0;
  std::memcpy(&requested, input.data(),
              std::min(input.size(), sizeof(requested)));
  absl::StatusOr<int> size = EffectivePageSize(requested);
  if (requested < 0) {
    FUZZ_CHECK(!size.ok());
    FUZZ_CHECK(size.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(size.ok());
  FUZZ_CHECK(*size >= 1 && *size <= kMaxPageSize);
  if (requested > 0 && requested <= kMaxPageSize)
    FUZZ_CHECK(*size == requested);
}

}  // namespace
}  // namespace helpdesk::paging

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace helpdesk::paging;  // NOLINT
  static const PageTokenCodec codec{std::string(kFuzzKey)};
  static const PageTokenCodec other{"another key"};

  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const absl::string_view scope = newline == absl::string_view::npos
                                      ? kFuzzDefaultScope
                                      : input.substr(0, newline);
  const absl::string_view token =
      newline == absl::string_view::npos ? input : input.substr(newline + 1);
  CheckDecode(codec, other, scope, token);
  CheckDecode(codec, other, scope, absl::StripAsciiWhitespace(token));
  CheckDecodeKeys(codec, scope, token, 1);
  CheckDecodeKeys(codec, scope, token, 2);
  CheckEncode(codec, other, scope, token);
  CheckEncodeKeys(codec, scope, token);
  CheckPageSize(input);
  return 0;
}
