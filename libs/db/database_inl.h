#ifndef HELPDESK_LIBS_DB_DATABASE_INL_H_
#define HELPDESK_LIBS_DB_DATABASE_INL_H_

#include <exception>

#include "SQLiteCpp/Exception.h"
#include "absl/status/status.h"

namespace helpdesk::db {

namespace internal {
absl::Status StatusFromException(const std::exception& e);
}  // namespace internal

template <typename Fn>
auto Guard(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return internal::StatusFromException(e);
  }
}

}  // namespace helpdesk::db

#endif  // HELPDESK_LIBS_DB_DATABASE_INL_H_
