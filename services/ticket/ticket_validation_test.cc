#include "services/ticket/ticket_validation.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace helpdesk::ticket {
namespace {

std::vector<std::string> Fields(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> fields;
  for (const auto& violation : violations) fields.push_back(violation.field);
  return fields;
}

TEST(TicketValidationTest, InvalidUtf8IsRefusedEverywhere) {
  std::vector<FieldViolation> violations;
  NormalizeTitle("bad \xff title", "ticket.title", &violations);
  NormalizeBody("bad \xc3", "ticket.body", &violations);
  NormalizeNoteBody("\xed\xa0\x80", "note.body", &violations);
  NormalizeQuery("\xff", &violations);
  EXPECT_EQ(Fields(violations),
            (std::vector<std::string>{"ticket.title", "ticket.body",
                                      "note.body", "query"}));
}

TEST(TicketValidationTest, WhitespaceIsTrimmedAndCountsNoWords) {
  std::vector<FieldViolation> violations;
  EXPECT_EQ(NormalizeTitle("  two words \t", "t", &violations), "two words");
  EXPECT_TRUE(violations.empty());
  NormalizeTitle(" \n\t ", "t", &violations);
  EXPECT_EQ(violations.size(), 1u);
}

TEST(TicketValidationTest, TitleIsOneLineButBodyMayHaveLineBreaks) {
  std::vector<FieldViolation> violations;
  NormalizeBody("line one\nline two", "b", &violations);
  EXPECT_TRUE(violations.empty());
  NormalizeTitle("line one\nline two", "t", &violations);
  EXPECT_EQ(Fields(violations), std::vector<std::string>{"t"});
}

TEST(TicketValidationTest, NoteBodyIsLimitedTo2000Characters) {
  std::vector<FieldViolation> violations;
  NormalizeNoteBody(std::string(2000, 'n'), "note.body", &violations);
  EXPECT_TRUE(violations.empty());
  NormalizeNoteBody(std::string(2001, 'n'), "note.body", &violations);
  EXPECT_EQ(violations.size(), 1u);
}

TEST(TicketValidationTest, LongQueriesAreRefused) {
  std::vector<FieldViolation> violations;
  NormalizeQuery(std::string(200, 'q'), &violations);
  EXPECT_TRUE(violations.empty());
  NormalizeQuery(std::string(201, 'q'), &violations);
  EXPECT_EQ(violations.size(), 1u);
}

TEST(TicketValidationTest, TitleLosesBidiControls) {
  std::vector<FieldViolation> violations;
  // Shown inline ("#7 <title>", notifications), an override reverses what
  // follows it: this title would read "Refund applied now".
  EXPECT_EQ(NormalizeTitle("Refund \u202Edeilppa\u202C now", "t", &violations),
            "Refund deilppa now");
  EXPECT_EQ(
      NormalizeTitle("\u2067Printer\u2069 \u200Ejams\u200F", "t", &violations),
      "Printer jams");
  EXPECT_TRUE(violations.empty());
  NormalizeTitle(" \u202E\u2066 ", "ticket.title", &violations);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "ticket.title");
  EXPECT_EQ(violations[0].description, "is required");
}

TEST(TicketValidationTest, BodiesAndNotesKeepBidiControlsAsTyped) {
  // A body is its own paragraph in every view, so its controls cannot
  // reorder anything around it; right-to-left writers may need them.
  std::vector<FieldViolation> violations;
  const std::string body = "\u05E9\u05DC\u05D5\u05DD \u2066ticket 7\u2069";
  EXPECT_EQ(NormalizeBody(body, "ticket.body", &violations), body);
  EXPECT_EQ(NormalizeNoteBody(body, "note.body", &violations), body);
  EXPECT_TRUE(violations.empty());
}

}  // namespace
}  // namespace helpdesk::ticket
