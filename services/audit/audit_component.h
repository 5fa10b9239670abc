#ifndef HELPDESK_SERVICES_AUDIT_AUDIT_COMPONENT_H_
#define HELPDESK_SERVICES_AUDIT_AUDIT_COMPONENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/clock/clock.h"
#include "libs/db/reader_pool.h"
#include "libs/db/store.h"
#include "libs/rpc/component.h"
#include "services/audit/audit_service.h"
#include "services/audit/audit_store.h"

namespace helpdesk::audit {

struct AuditComponentOptions {
  // Where the service keeps its data: its SQLite file in storage.data_dir,
  // or its schema of storage.database_url.
  db::Storage storage;
  std::string service_token;
  // Empty: derived from service_token (paging::PageTokenKey).
  std::string page_token_key;
  // Read-only connections to audit.db that the read RPCs share (see
  // db::ReaderPool); writes use one connection of their own.
  int db_readers = db::ReaderPool::kDefaultSize;
};

// The audit service as a component (see libs/rpc/component.h): audit.db and
// the service. It calls no peer and runs no background work. audit_server
// and helpdeskd both assemble audit through this class.
class AuditComponent final : public rpc::Component {
 public:
  static absl::StatusOr<std::unique_ptr<AuditComponent>> Create(
      AuditComponentOptions options, const Clock* clock);

  AuditServiceImpl* service() { return service_.get(); }
  AuditStore* store() { return store_.get(); }

  std::vector<grpc::Service*> services() override { return {service_.get()}; }
  absl::Status Start() override { return absl::OkStatus(); }
  void Stop() override {}

 private:
  AuditComponent() = default;

  AuditComponentOptions options_;
  std::unique_ptr<AuditStore> store_;
  std::unique_ptr<AuditServiceImpl> service_;
};

}  // namespace helpdesk::audit

#endif  // HELPDESK_SERVICES_AUDIT_AUDIT_COMPONENT_H_
