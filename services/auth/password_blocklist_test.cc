#include "services/auth/password_blocklist.h"

#include "gtest/gtest.h"

namespace helpdesk::auth {
namespace {

TEST(PasswordBlocklistTest, FindsTheMostCommonPasswords) {
  EXPECT_TRUE(IsCommonPassword("123456"));  // the first entry
  EXPECT_TRUE(IsCommonPassword("password1"));
  EXPECT_TRUE(IsCommonPassword("qwertyuiop"));
  EXPECT_TRUE(IsCommonPassword("24081990"));  // the 10 000th entry
}

TEST(PasswordBlocklistTest, ComparesCaselesslyAfterNfc) {
  EXPECT_TRUE(IsCommonPassword("PassWord1"));
  EXPECT_TRUE(IsCommonPassword("PASSWORD1"));
  // KELVIN SIGN (NFC: K), LATIN SMALL LETTER LONG S (folds to s).
  EXPECT_TRUE(IsCommonPassword("\u212Ailler"));
  EXPECT_TRUE(IsCommonPassword("pa\u017F\u017Fword"));
}

TEST(PasswordBlocklistTest, LeavesOtherPasswordsAlone) {
  EXPECT_FALSE(IsCommonPassword("correct horse battery staple"));
  EXPECT_FALSE(IsCommonPassword("password1 "));  // not trimmed
  EXPECT_FALSE(IsCommonPassword(""));
  EXPECT_FALSE(IsCommonPassword("# The 10 000 most common passwords"));
  EXPECT_FALSE(IsCommonPassword("\xFF"));
}

TEST(PasswordBlocklistTest, TheDemoPasswordIsNotOnTheList) {
  // Seeding hashes demo123 directly (it is also under 8 characters, which
  // Register refuses anyway); the list does not contain it either.
  EXPECT_FALSE(IsCommonPassword("demo123"));
}

}  // namespace
}  // namespace helpdesk::auth
