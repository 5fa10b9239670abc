#include "services/audit/audit_component.h"

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "libs/paging/page_token.h"
#include "libs/status/status_macros.h"

namespace helpdesk::audit {

absl::StatusOr<std::unique_ptr<AuditComponent>> AuditComponent::Create(
    AuditComponentOptions options, const Clock* clock) {
  std::unique_ptr<AuditComponent> component(new AuditComponent());
  component->options_ = std::move(options);
  ASSIGN_OR_RETURN(component->store_,
                   AuditStore::Open(component->options_.storage.For(
                       "audit", component->options_.db_readers)));
  if (component->options_.page_token_key.empty()) {
    component->options_.page_token_key =
        paging::PageTokenKey(component->options_.service_token);
  }
  component->service_ = std::make_unique<AuditServiceImpl>(
      component->store_.get(), clock, component->options_.page_token_key);
  return component;
}

}  // namespace helpdesk::audit
