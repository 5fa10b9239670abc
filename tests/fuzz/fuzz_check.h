#ifndef HELPDESK_TESTS_FUZZ_FUZZ_CHECK_H_
#define HELPDESK_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

// Aborts (a crash to libFuzzer, which then saves the input) when an
// invariant of a fuzz target does not hold. Unlike assert(), never compiled
// out.
#define FUZZ_CHECK(condition)                                          \
  do {                                                                 \
    if (!(condition)) {                                                \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #condition);                              \
      std::abort();                                                    \
    }                                                                  \
  } while (false)

#endif  // HELPDESK_TESTS_FUZZ_FUZZ_CHECK_H_
