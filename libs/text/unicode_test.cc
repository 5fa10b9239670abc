#include "libs/text/unicode.h"

#include <optional>
#include <string>

#include "gtest/gtest.h"

namespace helpdesk::text {
namespace {

TEST(ToNfcTest, ComposesCanonicalEquivalents) {
  EXPECT_EQ(ToNfc("Jose\u0301"), "Jos\u00E9");
  EXPECT_EQ(ToNfc("Jos\u00E9"), "Jos\u00E9");
  EXPECT_EQ(ToNfc("\u212B"), "\u00C5");  // ANGSTROM SIGN -> Å
  EXPECT_EQ(ToNfc(""), "");
  // Compatibility forms are not canonical equivalents: NFC keeps them.
  EXPECT_EQ(ToNfc("\uFB01"), "\uFB01");  // the "fi" ligature
}

TEST(ToNfcTest, RefusesInvalidUtf8) {
  EXPECT_EQ(ToNfc("\xFF"), std::nullopt);
  EXPECT_EQ(ToNfc("ok\xC3"), std::nullopt);
}

TEST(CaselessKeyTest, IgnoresCaseAndComposition) {
  EXPECT_EQ(CaselessKey("PassWord"), "password");
  EXPECT_EQ(CaselessKey("Stra\u00DFe"), CaselessKey("STRASSE"));
  EXPECT_EQ(CaselessKey("\u212Aelvin"), "kelvin");  // KELVIN SIGN
  EXPECT_EQ(CaselessKey("JOSE\u0301"), CaselessKey("jos\u00E9"));
  EXPECT_EQ(CaselessKey("\xFF"), std::nullopt);
}

TEST(ToLowerTest, LowerCasesEveryScriptInNfc) {
  EXPECT_EQ(ToLower("J\u00D6RG \u0414\u041C\u0418\u0422\u0420\u0418\u0419"),
            "j\u00F6rg \u0434\u043C\u0438\u0442\u0440\u0438\u0439");
  EXPECT_EQ(ToLower("JOSE\u0301"), "jos\u00E9");
  EXPECT_EQ(ToLower("stra\u00DFe"), "stra\u00DFe");  // no folding to "ss"
  EXPECT_EQ(ToLower("\xFF"), std::nullopt);
}

TEST(IsAllWhitespaceTest, UnicodeWhiteSpace) {
  EXPECT_TRUE(IsAllWhitespace(" "));
  EXPECT_TRUE(IsAllWhitespace(" \t\n\r"));
  EXPECT_TRUE(IsAllWhitespace("\u00A0\u3000\u2028\u2003"));
  EXPECT_FALSE(IsAllWhitespace(""));
  EXPECT_FALSE(IsAllWhitespace("  a  "));
  EXPECT_FALSE(IsAllWhitespace("\u200B"));  // zero width, not White_Space
  EXPECT_FALSE(IsAllWhitespace(" \xFF"));
}

}  // namespace
}  // namespace helpdesk::text
