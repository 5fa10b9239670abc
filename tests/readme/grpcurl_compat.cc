// grpcurl_compat: a grpcurl-compatible command-line client, for the README
// test (readme_commands_test.cc) on Debian 12, which packages no grpcurl.
//
//   grpcurl_compat [-plaintext] [-H 'name: value']... [-d '<json>']
//                  [-emit-defaults] [-max-time SECONDS] ADDRESS list [SERVICE]
//   grpcurl_compat [flags] ADDRESS SERVICE/METHOD   (or SERVICE.METHOD)
//
// Like grpcurl 1.8.7 it knows nothing but what server reflection
// (grpc.reflection.v1alpha) tells it, accepts both lowerCamelCase and proto
// field names in -d, prints each response as indented JSON whose keys are
// the json_name the server's descriptors carry or else the proto field name
// (grpcurl's behaviour, see reflection_database.h), prints errors as
// "ERROR:\n  Code: ...\n  Message: ..." on stderr and exits with 64 + the
// gRPC code (1 for other failures, 2 for usage errors).
#include <algorithm>
#include <chrono>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "tests/readme/grpcurl_flags.h"
#include "tests/readme/grpcurl_format.h"
#include "tests/readme/grpcurl_session.h"
#include "tests/readme/reflection_database.h"

namespace helpdesk::readme {
namespace {

using Clock = std::chrono::system_clock;

constexpr int kStatusCodeOffset = 64;

// grpcurl's fail() without an error: a usage problem, exit status 2.
int UsageError(const std::string& program, const std::string& message) {
  std::cerr << message << "\nTry '" << program << " -help' for more details.\n";
  return 2;
}

// grpcurl's fail() with an error: "<message>: <error>", exit status 1.
int Fail(const std::string& message, const std::string& error) {
  std::cerr << message << ": " << error << "\n";
  return 1;
}

// grpcurl.MetadataFromHeaders: "Name: value", names lowercased, values of
// "-bin" headers base64-decoded when they decode.
Metadata ToMetadata(const std::vector<std::string>& headers) {
  Metadata metadata;
  for (const std::string& header : headers) {
    if (header.empty()) continue;
    std::vector<std::string> parts =
        absl::StrSplit(header, absl::MaxSplits(':', 1));
    std::string name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[0]));
    std::string value = parts.size() > 1
                            ? std::string(absl::StripAsciiWhitespace(parts[1]))
                            : "";
    std::string decoded;
    if (absl::EndsWith(name, "-bin") && absl::Base64Unescape(value, &decoded)) {
      value = decoded;
    }
    metadata.emplace_back(std::move(name), std::move(value));
  }
  return metadata;
}

std::string ReflectionError(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kUnimplemented) {
    return "server does not support the reflection API";
  }
  return GoRpcError(status);
}

int List(GrpcurlSession& session, const std::string& service) {
  if (service.empty()) {
    absl::StatusOr<std::vector<std::string>> names =
        session.reflection().ListServices();
    if (!names.ok()) {
      return Fail("Failed to list services", ReflectionError(names.status()));
    }
    std::sort(names->begin(), names->end());
    if (names->empty()) std::cout << "(No services)\n";
    for (const std::string& name : *names) std::cout << name << "\n";
    return 0;
  }
  const auto* descriptor = session.pool().FindServiceByName(service);
  if (descriptor == nullptr) {
    const std::string what =
        absl::StrCat("Failed to list methods for service ", GoQuote(service));
    if (!session.last_error().ok()) {
      return Fail(what, ReflectionError(session.last_error()));
    }
    const bool exists =
        session.pool().FindFileContainingSymbol(service) != nullptr;
    return Fail(what, absl::StrCat(exists ? "Service" : "Symbol",
                                   " not found: ", service));
  }
  std::vector<std::string> methods;
  for (int i = 0; i < descriptor->method_count(); ++i) {
    methods.push_back(descriptor->method(i)->full_name());
  }
  std::sort(methods.begin(), methods.end());
  if (methods.empty()) std::cout << "(No methods)\n";
  for (const std::string& method : methods) std::cout << method << "\n";
  return 0;
}

void PrintStatus(GrpcurlSession& session, const grpc::Status& status) {
  // -max-time expired: grpc-go's words for it (C++ says "Deadline
  // Exceeded").
  const bool timed_out = status.error_code() == grpc::DEADLINE_EXCEEDED &&
                         status.error_message() == "Deadline Exceeded";
  std::cerr << "ERROR:\n  Code: "
            << GoCodeName(static_cast<absl::StatusCode>(status.error_code()))
            << "\n  Message: "
            << (timed_out ? "context deadline exceeded"
                          : status.error_message())
            << "\n";
  google::rpc::Status details;
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details()) ||
      details.details().empty()) {
    return;
  }
  std::cerr << "  Details:\n";
  for (int i = 0; i < details.details_size(); ++i) {
    const std::string prefix = absl::StrCat("  ", i + 1, ")");
    std::cerr << prefix << "\t";
    const std::string indent = std::string(prefix.size(), ' ') + "\t";
    bool first = true;
    for (absl::string_view line :
         absl::StrSplit(session.Detail(details.details(i)), '\n')) {
      std::cerr << (first ? "" : indent) << line << "\n";
      first = false;
    }
  }
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

int Invoke(GrpcurlSession& session,
           const std::shared_ptr<grpc::Channel>& channel,
           const GrpcurlFlags& flags, const std::string& symbol,
           Clock::time_point deadline) {
  const std::string failure =
      absl::StrCat("Error invoking method ", GoQuote(symbol));
  size_t slash = symbol.rfind('/');
  if (slash == symbol.npos) slash = symbol.rfind('.');
  if (slash == symbol.npos || slash == 0 || slash + 1 == symbol.size()) {
    return Fail(failure,
                absl::StrCat("given method name ", GoQuote(symbol),
                             " is not in expected format: 'service/method' "
                             "or 'service.method'"));
  }
  const std::string service_name = symbol.substr(0, slash);
  const std::string method_name = symbol.substr(slash + 1);
  const auto* service = session.pool().FindServiceByName(service_name);
  if (service == nullptr) {
    return Fail(failure,
                session.last_error().ok()
                    ? absl::StrCat("target server does not expose service ",
                                   GoQuote(service_name))
                    : absl::StrCat("failed to query for service descriptor ",
                                   GoQuote(service_name), ": ",
                                   ReflectionError(session.last_error())));
  }
  const auto* method = service->FindMethodByName(method_name);
  if (method == nullptr) {
    return Fail(failure, absl::StrCat("service ", GoQuote(service_name),
                                      " does not include a method named ",
                                      GoQuote(method_name)));
  }

  std::string data = flags.data;
  if (data == "@") {
    data.assign(std::istreambuf_iterator<char>(std::cin), {});
  }
  absl::StatusOr<std::vector<std::string>> values = SplitJsonValues(data);
  if (!values.ok()) {
    return Fail(failure, absl::StrCat("error getting request data: ",
                                      values.status().message()));
  }
  if (values->empty() && !method->client_streaming()) values->push_back("{}");
  if (values->size() > 1 && !method->client_streaming()) {
    return Fail(
        failure,
        absl::StrCat("method ", GoQuote(method->full_name()), " is a ",
                     method->server_streaming() ? "server-streaming" : "unary",
                     " RPC, but request data contained more than 1 message"));
  }
  std::vector<std::string> requests;
  for (const std::string& value : *values) {
    absl::StatusOr<std::string> binary =
        session.JsonToBinary(method->input_type()->full_name(), value);
    if (!binary.ok()) {
      return Fail(failure, absl::StrCat("error getting request data: ",
                                        binary.status().message()));
    }
    requests.push_back(*std::move(binary));
  }

  // Every kind of method goes as one generic call: requests, half-close,
  // then each response as it arrives.
  grpc::ClientContext context;
  for (const auto& [key, value] : ToMetadata(flags.headers)) {
    context.AddMetadata(key, value);
  }
  for (const auto& [key, value] : ToMetadata(flags.rpc_headers)) {
    context.AddMetadata(key, value);
  }
  context.set_deadline(deadline);
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  auto call = stub.PrepareCall(
      &context, absl::StrCat("/", service->full_name(), "/", method->name()),
      &queue);
  void* tag = nullptr;
  bool ok = false;
  auto await = [&] { return queue.Next(&tag, &ok) && ok; };
  call->StartCall(&queue);
  bool alive = await();
  for (const std::string& request : requests) {
    if (!alive) break;
    grpc::Slice slice(request);
    grpc::ByteBuffer buffer(&slice, 1);
    call->Write(buffer, &queue);
    alive = await();
  }
  if (alive) {
    call->WritesDone(&queue);
    alive = await();
  }
  const std::string output_url =
      GrpcurlSession::Url(method->output_type()->full_name());
  for (int received = 1; alive; ++received) {
    grpc::ByteBuffer buffer;
    call->Read(&buffer, &queue);
    if (!(alive = await())) break;
    absl::StatusOr<std::string> json =
        session.BinaryToJson(output_url, ToString(buffer), flags.emit_defaults);
    if (json.ok()) {
      std::cout << *json << std::endl;
    } else {
      std::cout << "Failed to format response message " << received << ": "
                << json.status().message() << std::endl;
    }
  }
  grpc::Status status;
  call->Finish(&status, &queue);
  await();
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (status.ok()) return 0;
  PrintStatus(session, status);
  return kStatusCodeOffset + static_cast<int>(status.error_code());
}

int Main(const std::vector<std::string>& argv) {
  const std::string program = argv.empty() ? "grpcurl" : argv[0];
  absl::StatusOr<GrpcurlFlags> parsed = ParseGrpcurlFlags(argv);
  if (!parsed.ok()) {
    std::cerr << parsed.status().message() << "\n" << GrpcurlUsage(program);
    return 2;
  }
  const GrpcurlFlags& flags = *parsed;
  if (flags.help) {
    std::cerr << GrpcurlUsage(program);
    return 0;
  }
  if (flags.max_time < 0) {
    return UsageError(program, "The -max-time argument must not be negative.");
  }
  if (flags.connect_timeout < 0) {
    return UsageError(program,
                      "The -connect-timeout argument must not be negative.");
  }
  std::vector<std::string> args = flags.args;
  if (args.empty()) return UsageError(program, "Too few arguments.");
  std::string target;
  if (args[0] != "list" && args[0] != "describe") {
    target = args[0];
    args.erase(args.begin());
  }
  if (args.empty()) return UsageError(program, "Too few arguments.");
  if (args[0] == "describe") {
    return UsageError(program, "'describe' is not supported by this client.");
  }
  const bool list = args[0] == "list";
  if (list) args.erase(args.begin());
  std::string symbol;
  if (!list && args.empty()) return UsageError(program, "Too few arguments.");
  if (list && !flags.data.empty()) {
    std::cerr << "Warning: The -d argument is not used with 'list' or "
                 "'describe' verb.\n";
  }
  if (!args.empty()) {
    symbol = args[0];
    args.erase(args.begin());
  }
  if (!args.empty()) return UsageError(program, "Too many arguments.");
  if (target.empty()) {
    return UsageError(
        program,
        "No host:port specified, no protoset specified, and no proto "
        "sources specified.");
  }

  const Clock::time_point deadline =
      flags.max_time > 0
          ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(flags.max_time))
          : Clock::time_point::max();
  grpc::ChannelArguments channel_args;
  channel_args.SetUserAgentPrefix("grpcurl/v1.8.7-compat");
  auto channel = grpc::CreateCustomChannel(
      target,
      flags.plaintext ? grpc::InsecureChannelCredentials()
                      : grpc::SslCredentials(grpc::SslCredentialsOptions()),
      channel_args);
  const Clock::time_point dial_deadline = std::min(
      deadline,
      Clock::now() +
          std::chrono::duration_cast<Clock::duration>(
              std::chrono::duration<double>(
                  flags.connect_timeout > 0 ? flags.connect_timeout : 10.0)));
  // grpcurl's BlockingDial: wait for the connection, give up at once when
  // it fails (connection refused), or at the dial deadline.
  for (grpc_connectivity_state state = channel->GetState(true);
       state != GRPC_CHANNEL_READY; state = channel->GetState(true)) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE ||
        state == GRPC_CHANNEL_SHUTDOWN) {
      return Fail(absl::StrCat("Failed to dial target host ", GoQuote(target)),
                  "connection failed");
    }
    if (!channel->WaitForStateChange(state, dial_deadline)) {
      return Fail(absl::StrCat("Failed to dial target host ", GoQuote(target)),
                  "context deadline exceeded");
    }
  }
  Metadata reflection_metadata = ToMetadata(flags.headers);
  for (auto& header : ToMetadata(flags.reflect_headers)) {
    reflection_metadata.push_back(std::move(header));
  }
  GrpcurlSession session(channel, reflection_metadata, deadline);
  if (list) return List(session, symbol);
  return Invoke(session, channel, flags, symbol, deadline);
}

}  // namespace
}  // namespace helpdesk::readme

int main(int argc, char** argv) {
  return helpdesk::readme::Main(std::vector<std::string>(argv, argv + argc));
}
