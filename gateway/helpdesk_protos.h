#ifndef HELPDESK_GATEWAY_HELPDESK_PROTOS_H_
#define HELPDESK_GATEWAY_HELPDESK_PROTOS_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"

namespace helpdesk::gateway {

// The generated descriptor pool, with every Helpdesk contract linked into the
// binary and registered in it (a generated file registers itself only when
// the linker keeps it; this function references one symbol per file).
const google::protobuf::DescriptorPool* HelpdeskGeneratedPool();

// The public services of the contract, which the gateway serves by default.
std::vector<std::string> HelpdeskServices();

}  // namespace helpdesk::gateway

#endif  // HELPDESK_GATEWAY_HELPDESK_PROTOS_H_
