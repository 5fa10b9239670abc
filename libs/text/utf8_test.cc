#include "libs/text/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace helpdesk::text {
namespace {

TEST(CodePointCountTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(CodePointCount("abc"), 3u);
  EXPECT_EQ(CodePointCount("h\xC3\xA9llo"), 5u);      // é
  EXPECT_EQ(CodePointCount("\xF0\x9F\x98\x80"), 1u);  // emoji
  EXPECT_EQ(CodePointCount(""), 0u);
}

TEST(CodePointCountTest, RejectsInvalidUtf8) {
  EXPECT_FALSE(CodePointCount("\xFF").has_value());
  EXPECT_FALSE(CodePointCount("\xC3").has_value());              // truncated
  EXPECT_FALSE(CodePointCount("\xC0\xAF").has_value());          // overlong '/'
  EXPECT_FALSE(CodePointCount("\xED\xA0\x80").has_value());      // surrogate
  EXPECT_FALSE(CodePointCount("\xF4\x90\x80\x80").has_value());  // > U+10FFFF
}

TEST(HasControlCharactersTest, FindsControlsButAllowsTabs) {
  EXPECT_FALSE(HasControlCharacters("a\tb", false));
  EXPECT_TRUE(HasControlCharacters(std::string("a\0b", 3), false));
  EXPECT_TRUE(HasControlCharacters("a\nb", false));
  EXPECT_FALSE(HasControlCharacters("a\r\nb", true));
  EXPECT_TRUE(HasControlCharacters("a\x7F", true));
}

TEST(WordCountTest, CountsRunsOfNonSpace) {
  EXPECT_EQ(WordCount(""), 0u);
  EXPECT_EQ(WordCount("   "), 0u);
  EXPECT_EQ(WordCount("one"), 1u);
  EXPECT_EQ(WordCount("  two\twords\n"), 2u);
}

}  // namespace
}  // namespace helpdesk::text
