#include "libs/text/bidi.h"

#include <string>

#include "gtest/gtest.h"

namespace helpdesk::text {
namespace {

TEST(StripBidiControlsTest, RemovesOverridesEmbeddingsIsolatesAndMarks) {
  // "Invoice \u202Egpj.exe" shows as "Invoice exe.jpg".
  EXPECT_EQ(StripBidiControls("Invoice \u202Egpj.exe"), "Invoice gpj.exe");
  EXPECT_EQ(StripBidiControls("\u202A\u202B\u202C\u202D\u202Ex"), "x");
  EXPECT_EQ(StripBidiControls("a\u2066b\u2067c\u2068d\u2069e"), "abcde");
  EXPECT_EQ(StripBidiControls("Admin A\u200E\u200F\u061C"), "Admin A");
}

TEST(StripBidiControlsTest, KeepsEverythingElse) {
  EXPECT_EQ(StripBidiControls(""), "");
  EXPECT_EQ(StripBidiControls("plain ASCII, 100%"), "plain ASCII, 100%");
  // Hebrew, Arabic, an emoji with a zero-width joiner, and neighbours of
  // the stripped ranges (U+2029, U+202F, U+2065, U+206A).
  const std::string kept =
      "\u05E9\u05DC\u05D5\u05DD \u0633\u0644\u0627\u0645 "
      "\U0001F469\u200D\U0001F4BB \u2029\u202F\u2065\u206A\u200D";
  EXPECT_EQ(StripBidiControls(kept), kept);
}

TEST(StripBidiControlsTest, LeavesInvalidUtf8Unchanged) {
  // Stripping the override would otherwise join \xC3 and \xA9 into "é".
  const std::string invalid = "\xC3\u202E\xA9";
  EXPECT_EQ(StripBidiControls(invalid), invalid);
}

TEST(IsBidiControlTest, ExactRanges) {
  for (char32_t c :
       {0x202Au, 0x202Eu, 0x2066u, 0x2069u, 0x200Eu, 0x200Fu, 0x061Cu}) {
    EXPECT_TRUE(IsBidiControl(c)) << static_cast<uint32_t>(c);
  }
  for (char32_t c :
       {0x2029u, 0x202Fu, 0x2065u, 0x206Au, 0x200Du, 0x061Bu, 0x0041u}) {
    EXPECT_FALSE(IsBidiControl(c)) << static_cast<uint32_t>(c);
  }
}

}  // namespace
}  // namespace helpdesk::text
