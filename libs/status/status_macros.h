#ifndef HELPDESK_LIBS_STATUS_STATUS_MACROS_H_
#define HELPDESK_LIBS_STATUS_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Propagation macros. Debian's Abseil (20220623) predates
// ABSL_RETURN_IF_ERROR / ABSL_ASSIGN_OR_RETURN, so we carry our own pair.
//
//   RETURN_IF_ERROR(store.Insert(row));
//   ASSIGN_OR_RETURN(User user, store.GetUser(id));

#define HELPDESK_STATUS_CONCAT_INNER_(a, b) a##b
#define HELPDESK_STATUS_CONCAT_(a, b) HELPDESK_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function if it is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    ::absl::Status helpdesk_status_ = (expr);            \
    if (!helpdesk_status_.ok()) return helpdesk_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be
// a declaration (`auto x`) or an existing variable.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(            \
      HELPDESK_STATUS_CONCAT_(helpdesk_statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)       \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // HELPDESK_LIBS_STATUS_STATUS_MACROS_H_
