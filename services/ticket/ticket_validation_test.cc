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

}  // namespace
}  // namespace helpdesk::ticket
