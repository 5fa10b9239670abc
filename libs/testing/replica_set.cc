#include "libs/testing/replica_set.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/testing/free_port.h"

namespace helpdesk::testing {

ReplicaSet::ReplicaSet(ReplicaSetOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<ReplicaSet>> ReplicaSet::Start(
    ReplicaSetOptions options) {
  if (options.replicas < 1 || options.gateways < 0) {
    return absl::InvalidArgumentError("replicas >= 1, gateways >= 0");
  }
  if (options.replicas > 1 && options.database_url.empty()) {
    return absl::InvalidArgumentError("replicas share a database_url");
  }
  std::unique_ptr<ReplicaSet> set(new ReplicaSet(std::move(options)));
  set->service_token_ = absl::StrCat("replica-set-token-", getpid(),
                                     "-0123456789abcdef0123456789");
  set->token_file_ = set->options_.work_dir + "/service_token";
  std::ofstream(set->token_file_) << set->service_token_;
  for (const char* name : kServices) {
    for (int i = 0; i < set->options_.replicas; ++i) {
      set->ports_[name].push_back(PickUnusedPort());
    }
    set->processes_[name].resize(set->options_.replicas);
  }
  set->ports_["gateway"].resize(set->options_.gateways);
  set->processes_["gateway"].resize(set->options_.gateways);
  // Replica 0 of each service first: it migrates its schema and seeds the
  // demo accounts before any other replica opens them.
  for (int i = 0; i < set->options_.replicas; ++i) {
    for (const char* name : kServices) {
      if (absl::Status started = set->StartReplica(name, i); !started.ok()) {
        return started;
      }
    }
  }
  for (int i = 0; i < set->options_.gateways; ++i) {
    if (absl::Status started = set->StartReplica("gateway", i); !started.ok()) {
      return started;
    }
  }
  return set;
}

ReplicaSet::~ReplicaSet() {
  for (auto& [name, processes] : processes_) {
    for (auto& process : processes) {
      if (process != nullptr) process->Signal(SIGTERM);
    }
  }
  for (auto& [name, processes] : processes_) {
    for (auto& process : processes) {
      if (process != nullptr) (void)process->Wait(absl::Seconds(30));
    }
  }
}

std::string ReplicaSet::Binary(const std::string& name) const {
  const std::string path =
      name == "gateway" ? "gateway/gateway"
                        : absl::StrCat("services/", name, "/", name, "_server");
  return options_.bin_dir.empty() ? RunfilePath(path)
                                  : options_.bin_dir + "/" + path;
}

std::string ReplicaSet::Target(const std::string& service) const {
  std::vector<std::string> addresses;
  for (int port : ports_.at(service)) {
    addresses.push_back(absl::StrCat("127.0.0.1:", port));
  }
  if (addresses.size() == 1) return addresses[0];
  return "ipv4:" + absl::StrJoin(addresses, ",");
}

int ReplicaSet::port(const std::string& name, int index) const {
  return ports_.at(name).at(index);
}

absl::Status ReplicaSet::StartReplica(const std::string& name, int index) {
  const bool gateway = name == "gateway";
  std::vector<std::string> argv = {
      Binary(name),
      absl::StrCat("--port=", gateway ? 0 : ports_.at(name).at(index)),
      "--service_token_file=" + token_file_};
  for (const char* service : kServices) {
    argv.push_back(absl::StrCat("--", service, "_target=", Target(service)));
  }
  if (!gateway) {
    const std::string data_dir =
        absl::StrCat(options_.work_dir, "/data-", index);
    std::filesystem::create_directories(data_dir);
    argv.push_back("--data_dir=" + data_dir);
    if (!options_.database_url.empty()) {
      argv.push_back("--database_url=" + options_.database_url);
    }
  }
  if (auto flags = options_.flags.find(name); flags != options_.flags.end()) {
    argv.insert(argv.end(), flags->second.begin(), flags->second.end());
  }
  auto process = Subprocess::Start(argv);
  if (!process.ok()) return process.status();
  auto port = (*process)->WaitForLine(gateway ? "http_port=" : "grpc_port=",
                                      absl::Seconds(60));
  if (!port.ok()) {
    return absl::Status(
        port.status().code(),
        absl::StrCat(name, " ", index, ": ", port.status().message()));
  }
  if (gateway && !absl::SimpleAtoi(*port, &ports_[name].at(index))) {
    return absl::InternalError("gateway printed no port");
  }
  processes_[name].at(index) = std::move(*process);
  return absl::OkStatus();
}

absl::Status ReplicaSet::Kill(const std::string& name, int index) {
  Subprocess& process = *processes_.at(name).at(index);
  process.Signal(SIGKILL);
  return process.Wait(absl::Seconds(30)).status();
}

void ReplicaSet::Signal(const std::string& name, int index, int signal) {
  processes_.at(name).at(index)->Signal(signal);
}

}  // namespace helpdesk::testing
