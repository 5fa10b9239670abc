#include "services/auth/user_validation.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace helpdesk::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Descriptions(
    const std::vector<FieldViolation>& violations) {
  std::vector<std::string> descriptions;
  for (const auto& violation : violations) {
    descriptions.push_back(violation.field + ": " + violation.description);
  }
  return descriptions;
}

std::vector<std::string> EmailProblems(const std::string& raw) {
  std::vector<FieldViolation> violations;
  NormalizeEmail(raw, &violations);
  return Descriptions(violations);
}

TEST(NormalizeEmailTest, TrimsLowerCasesAndComposes) {
  std::vector<FieldViolation> violations;
  EXPECT_EQ(NormalizeEmail("  Someone@Example.COM ", &violations),
            "someone@example.com");
  EXPECT_EQ(NormalizeEmail("Jose\u0301@example.com", &violations),
            "jos\u00E9@example.com");
  EXPECT_EQ(NormalizeEmail("J\u00D6RG@example.com", &violations),
            "j\u00F6rg@example.com");
  EXPECT_THAT(violations, IsEmpty());
}

TEST(NormalizeEmailTest, MapsInternationalDomainsToOneForm) {
  std::vector<FieldViolation> violations;
  // Upper case, punycode and full-width forms all become the Unicode form.
  EXPECT_EQ(NormalizeEmail("a@B\u00DCCHER.DE", &violations),
            "a@b\u00FCcher.de");
  EXPECT_EQ(NormalizeEmail("a@xn--bcher-kva.de", &violations),
            "a@b\u00FCcher.de");
  EXPECT_EQ(NormalizeEmail("a@\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45.com",
                           &violations),
            "a@example.com");
  EXPECT_THAT(violations, IsEmpty());
}

TEST(NormalizeEmailTest, RejectsMixedScriptDomains) {
  for (const std::string email :
       {"a@\u0430pple.com",           // Cyrillic а
        "a@xn--pple-43d.com",         // the same, as punycode
        "a@g\u043E\u043Egle.com",     // Cyrillic о о
        "a@\u03BF\u03C1\u03B5n.org",  // Greek ορε + Latin n
        "a@\u0570ello.com"}) {        // Armenian հ + Latin ello
    EXPECT_THAT(EmailProblems(email),
                ElementsAre(HasSubstr("email: has a look-alike domain")))
        << email;
  }
}

TEST(NormalizeEmailTest, RejectsWholeScriptLookAlikesOfLatinDomains) {
  // All Cyrillic, but reads "apple" and "cop".
  EXPECT_THAT(EmailProblems("a@\u0430\u0440\u0440\u04CF\u0435.com"),
              ElementsAre(HasSubstr("email: has a look-alike domain")));
  EXPECT_THAT(EmailProblems("a@\u0441\u043E\u0440.ru"),
              ElementsAre(HasSubstr("email: has a look-alike domain")));
}

TEST(NormalizeEmailTest, AcceptsSingleScriptDomains) {
  for (const std::string email :
       {"a@\u043F\u0440\u0438\u043C\u0435\u0440.\u0440\u0444",  // пример.рф
        "a@\u03B5\u03BB\u03BB\u03AC\u03B4\u03B1.gr",  // ελλάδα.gr
        "a@\u4F8B\u3048.jp",                          // 例え.jp
        "a@caf\u00E9.fr", "a@k\u0131rm\u0131z\u0131.com.tr",
        "a@\u0645\u062B\u0627\u0644.com"}) {  // مثال.com
    EXPECT_THAT(EmailProblems(email), IsEmpty()) << email;
  }
}

TEST(NormalizeEmailTest, RejectsInvisibleAndMalformedInput) {
  EXPECT_THAT(EmailProblems("ad\u202Emin@example.com"),
              ElementsAre("email: contains invalid characters"));
  EXPECT_THAT(EmailProblems("ad\u200Bmin@example.com"),
              ElementsAre("email: contains invalid characters"));
  EXPECT_THAT(EmailProblems("a@exa\u00ADmple.com"),
              ElementsAre("email: contains invalid characters"));
  EXPECT_THAT(EmailProblems("a@\xFF.com"),
              ElementsAre("email: contains invalid characters"));
  EXPECT_THAT(EmailProblems("a@-example.com"),
              ElementsAre("email: is not a valid email address"));
  EXPECT_THAT(EmailProblems("a@xn--zz.com"),
              ElementsAre("email: is not a valid email address"));
  EXPECT_THAT(EmailProblems(""), ElementsAre("email: is required"));
}

TEST(NormalizeNameTest, ComposesAndStripsBidiControls) {
  std::vector<FieldViolation> violations;
  EXPECT_EQ(NormalizeName(" Jose\u0301 ", &violations), "Jos\u00E9");
  EXPECT_EQ(NormalizeName("\u202EAdmin A\u202C", &violations), "Admin A");
  EXPECT_EQ(NormalizeName("Admin\u2066 A\u2069\u200E", &violations), "Admin A");
  EXPECT_EQ(NormalizeName("\u05E9\u05E8\u05D4 \u05DB\u05D4\u05DF", &violations),
            "\u05E9\u05E8\u05D4 \u05DB\u05D4\u05DF");  // Hebrew as typed
  EXPECT_THAT(violations, IsEmpty());
}

TEST(NormalizeNameTest, NothingButControlsOrSpacesIsMissing) {
  std::vector<FieldViolation> violations;
  NormalizeName("\u202E\u200F ", &violations);
  NormalizeName("\u3000\u00A0", &violations);
  EXPECT_THAT(Descriptions(violations),
              ElementsAre("name: is required", "name: is required"));
}

TEST(NormalizeNameTest, LengthIsCountedAfterNormalisation) {
  std::vector<FieldViolation> violations;
  // 100 decomposed "é" (200 code points) compose to 100.
  std::string name;
  for (int i = 0; i < 100; ++i) name += "e\u0301";
  NormalizeName(name, &violations);
  EXPECT_THAT(violations, IsEmpty());
  NormalizeName(name + "e", &violations);
  EXPECT_THAT(Descriptions(violations),
              ElementsAre("name: must be at most 100 characters"));
}

std::vector<std::string> PasswordProblems(const std::string& password) {
  std::vector<FieldViolation> violations;
  CheckNewPassword(password, &violations);
  return Descriptions(violations);
}

TEST(CheckNewPasswordTest, RejectsOnlyWhitespace) {
  EXPECT_THAT(PasswordProblems("        "),
              ElementsAre("password: must not be only whitespace"));
  EXPECT_THAT(PasswordProblems("\u3000\u3000\u3000\u3000\u2003\u2003\t\n"),
              ElementsAre("password: must not be only whitespace"));
  EXPECT_THAT(PasswordProblems("   x    "), IsEmpty());
}

TEST(CheckNewPasswordTest, RejectsCommonPasswordsCaselessly) {
  EXPECT_THAT(PasswordProblems("password1"),
              ElementsAre("password: is too common"));
  EXPECT_THAT(PasswordProblems("Iloveyou1"),
              ElementsAre("password: is too common"));
  EXPECT_THAT(PasswordProblems("correct horse"), IsEmpty());
}

TEST(CheckNewPasswordTest, LengthRulesComeFirst) {
  EXPECT_THAT(PasswordProblems("123456"),
              ElementsAre("password: must be at least 8 characters"));
  EXPECT_THAT(PasswordProblems(std::string(129, ' ')),
              ElementsAre("password: must be at most 128 characters"));
  EXPECT_THAT(PasswordProblems("bad \xFF password"),
              ElementsAre("password: contains invalid characters"));
}

}  // namespace
}  // namespace helpdesk::auth
