// Writes the page_token fuzzer's seed corpus: tokens made by PageTokenCodec
// itself (EncodeKeys, as the List RPCs page) with the fuzzer's key, for the
// scopes of the List RPCs, and a few near misses.
//
//   bazel run //tests/fuzz:page_token_seeds -- "$PWD/tests/fuzz/page_token"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/paging/page_token.h"
#include "tests/fuzz/page_token_fuzz.h"

int main(int argc, char** argv) {
  using helpdesk::paging::kFuzzDefaultScope;
  using helpdesk::paging::kFuzzKey;
  using helpdesk::paging::PageTokenCodec;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  const PageTokenCodec codec{std::string(kFuzzKey)};
  const std::string default_scope(kFuzzDefaultScope);
  const std::string query_scope =
      "ListTickets/requester=4/status=1/assignee=2:me/me=4/query=7:printer";
  std::vector<std::pair<std::string, std::string>> seeds = {
      // No newline: a token of the default scope.
      {"tickets-page-2", codec.EncodeKeys(default_scope, {25, 120})},
      {"tickets-last-id", codec.EncodeKeys(default_scope, {1, 1})},
      {"tickets-max-id", codec.EncodeKeys(default_scope, {INT64_MAX, 1000})},
      {"tickets-empty-cursor", codec.Encode(default_scope, "")},
      {"tickets-negative-keys",
       codec.EncodeKeys(default_scope, {-1, INT64_MIN})},
      {"tickets-three-keys", codec.EncodeKeys(default_scope, {1, 2, 3})},
      {"tickets-non-numeric-cursor", codec.Encode(default_scope, "x:y:z")},
      {"tickets-padded", codec.EncodeKeys(default_scope, {25, 120}) + "=="},
      {"tickets-whitespace",
       absl::StrCat(" ", codec.EncodeKeys(default_scope, {25, 120}), "\n")},
      {"tickets-other-key",
       PageTokenCodec("another key").EncodeKeys(default_scope, {25, 120})},
      {"tickets-not-base64", "not a token !!"},
      {"tickets-short", "AAAA"},
      {"empty", ""},
      // "scope\ntoken".
      {"tickets-query", absl::StrCat(query_scope, "\n",
                                     codec.EncodeKeys(query_scope, {90, 311}))},
      {"tickets-query-other-scope",
       absl::StrCat(query_scope, "\n",
                    codec.EncodeKeys(default_scope, {90, 311}))},
      {"notes", absl::StrCat("ListNotes/ticket=3\n",
                             codec.EncodeKeys("ListNotes/ticket=3", {17}))},
      {"users", absl::StrCat("ListUsers/role=1\n",
                             codec.EncodeKeys("ListUsers/role=1", {42}))},
      {"jobs", absl::StrCat("ListJobs/state=5\n",
                            codec.EncodeKeys("ListJobs/state=5", {1000}))},
      {"audit",
       absl::StrCat("ListAuditEvents/actor=0/action=16:ticket.assigned\n",
                    codec.EncodeKeys("ListAuditEvents/actor=0/action=16:"
                                     "ticket.assigned",
                                     {1764680000000000, 12345}))},
      {"empty-scope", absl::StrCat("\n", codec.EncodeKeys("", {7}))},
      {"binary-cursor",
       absl::StrCat("s\n", codec.Encode("s", std::string("\0\xff\n:", 4)))},
  };
  for (const auto& [name, bytes] : seeds) {
    std::ofstream out(absl::StrCat(argv[1], "/", name), std::ios::binary);
    out << bytes;
    if (!out.good()) {
      std::fprintf(stderr, "cannot write %s/%s\n", argv[1], name.c_str());
      return 1;
    }
  }
  std::printf("%zu seeds in %s\n", seeds.size(), argv[1]);
  return 0;
}
