#include "libs/rpc/request_id.h"

#include <string>

#include "gtest/gtest.h"

namespace helpdesk::rpc {
namespace {

TEST(RequestIdTest, NewIdsAre32HexDigitsAndDiffer) {
  const std::string a = NewRequestId();
  const std::string b = NewRequestId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
  EXPECT_TRUE(IsAcceptableRequestId(a));
}

TEST(RequestIdTest, TakesShortPrintableIdsAsTheyAre) {
  EXPECT_EQ(RequestIdOrNew("trace-42"), "trace-42");
  EXPECT_EQ(RequestIdOrNew(std::string(64, 'x')), std::string(64, 'x'));
}

TEST(RequestIdTest, ReplacesEmptyLongOrUnprintableIds) {
  for (const std::string& bad :
       {std::string(), std::string(65, 'x'), std::string("has space"),
        std::string("line\nbreak"), std::string("caf\xc3\xa9")}) {
    EXPECT_FALSE(IsAcceptableRequestId(bad)) << bad;
    const std::string replaced = RequestIdOrNew(bad);
    EXPECT_NE(replaced, bad);
    EXPECT_EQ(replaced.size(), 32u);
  }
}

}  // namespace
}  // namespace helpdesk::rpc
