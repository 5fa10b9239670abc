#include "libs/log/log.h"

#include "gtest/gtest.h"

namespace helpdesk {
namespace {

TEST(FormatLogFieldsTest, PlainValuesStayBare) {
  EXPECT_EQ(FormatLogFields("rpc", {{"method", "/a.B/C"}, {"code", "OK"}}),
            "event=rpc method=/a.B/C code=OK");
}

TEST(FormatLogFieldsTest, ValuesWithSpacesOrQuotesAreQuotedAndEscaped) {
  EXPECT_EQ(FormatLogFields("e", {{"detail", "say \"hi\" now"}}),
            "event=e detail=\"say \\\"hi\\\" now\"");
}

TEST(FormatLogFieldsTest, NewlinesCannotForgeASecondLine) {
  EXPECT_EQ(FormatLogFields("e", {{"x", "a\nlevel=error"}}),
            "event=e x=\"a\\nlevel=error\"");
}

TEST(FormatLogFieldsTest, EmptyValueIsQuoted) {
  EXPECT_EQ(FormatLogFields("e", {{"x", ""}}), "event=e x=\"\"");
}

}  // namespace
}  // namespace helpdesk
