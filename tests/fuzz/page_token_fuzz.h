#ifndef HELPDESK_TESTS_FUZZ_PAGE_TOKEN_FUZZ_H_
#define HELPDESK_TESTS_FUZZ_PAGE_TOKEN_FUZZ_H_

#include "absl/strings/string_view.h"

namespace helpdesk::paging {

// The page_token fuzzer's server key, and the scope of an input without
// one: a ListTickets listing as the ticket service scopes it (an admin, no
// filters). Its seeds (page_token_seeds.cc) are made with the same.
inline constexpr absl::string_view kFuzzKey =
    "fuzz-page-token-key-0123456789abcdef";
inline constexpr absl::string_view kFuzzDefaultScope =
    "ListTickets/requester=0/status=0/assignee=0:/me=1/query=0:";

}  // namespace helpdesk::paging

#endif  // HELPDESK_TESTS_FUZZ_PAGE_TOKEN_FUZZ_H_
