#ifndef HELPDESK_SERVICES_TICKET_TICKET_VALIDATION_H_
#define HELPDESK_SERVICES_TICKET_TICKET_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "libs/status/error_details.h"

namespace helpdesk::ticket {

// Input rules for tickets and notes. Each function trims, appends what is
// wrong to `violations` under `field`, and returns the normalised text.

// 1-15 words, at most 500 characters, one line; bidirectional controls
// (overrides, embeddings, isolates, LRM/RLM/ALM) are removed, since a title
// is shown inline ("#7 <title>", notifications) where an override would
// reorder the text after it.
std::string NormalizeTitle(absl::string_view raw, absl::string_view field,
                           std::vector<FieldViolation>* violations);

// 1-300 words, at most 20 000 characters; line breaks allowed. Kept as
// typed, bidirectional controls included: a body is its own paragraph
// wherever it is shown, so they cannot reorder anything around it.
std::string NormalizeBody(absl::string_view raw, absl::string_view field,
                          std::vector<FieldViolation>* violations);

// 1-2000 characters; line breaks allowed.
std::string NormalizeNoteBody(absl::string_view raw, absl::string_view field,
                              std::vector<FieldViolation>* violations);

// A search query: at most 200 characters, valid UTF-8.
std::string NormalizeQuery(absl::string_view raw,
                           std::vector<FieldViolation>* violations);

}  // namespace helpdesk::ticket

#endif  // HELPDESK_SERVICES_TICKET_TICKET_VALIDATION_H_
