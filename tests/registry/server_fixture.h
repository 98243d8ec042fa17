// The fixture of the RegistryService and AccessService tests through a real
// gRPC server in this process (the server_*_test.cc files): a fresh
// database per test (InProcessServerTest) and a consortium of the hub
// (bootstrap manager key, manager_), Sheffield and Leeds (a registrar key
// each) and Rotherham (a family finder key). Today is 2026-11-01.
//
// Beyond InProcessServerTest's calls: reads that must succeed, listings that
// walk every page, and EveryRpc, a table of one request per RPC for tests of
// keys and permissions.
#ifndef RAAMATCH_TESTS_REGISTRY_SERVER_FIXTURE_H_
#define RAAMATCH_TESTS_REGISTRY_SERVER_FIXTURE_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "grpcpp/grpcpp.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
#include "tests/support/in_process_server.h"

namespace raa::test {

class ServerTest : public InProcessServerTest {
 protected:
  void SetUp() override;

  using InProcessServerTest::NewKey;
  // A new key for `authority` with `roles` in `*key`; fatal if none.
  void NewKey(const std::string& authority, std::vector<v1::Role> roles,
              v1::CreateApiKeyResponse* key);

  // Reads that must succeed.
  v1::Child GetChild(absl::string_view key, const std::string& name);
  v1::Adopter GetAdopter(absl::string_view key, const std::string& name);

  // The names of every profile `request` lists for `key`, walking all pages.
  std::vector<std::string> ChildNames(absl::string_view key,
                                      v1::ListChildrenRequest request);
  std::vector<std::string> ChildNames(absl::string_view key) {
    return ChildNames(key, AllChildren());
  }
  std::vector<std::string> AdopterNames(absl::string_view key,
                                        v1::ListAdoptersRequest request);
  std::vector<std::string> AdopterNames(absl::string_view key) {
    return AdopterNames(key, AllAdopters());
  }
  // Every authority and every key, as the manager lists them.
  std::vector<std::string> AuthorityNames();
  std::vector<std::string> KeyNames();

  // List requests for every authority's records.
  static v1::ListChildrenRequest AllChildren();
  static v1::ListAdoptersRequest AllAdopters();

  // One call of `method` with `request`, for tables of RPCs.
  using Rpc = std::function<grpc::Status(absl::string_view key)>;
  template <typename Request, typename Response>
  Rpc Bind(grpc::Status (RegistryStub::*method)(grpc::ClientContext*,
                                                const Request&, Response*),
           Request request) {
    return [this, method, request](absl::string_view key) {
      Response response;
      return Reg(method, key, request, &response);
    };
  }
  template <typename Request, typename Response>
  Rpc Bind(grpc::Status (AccessStub::*method)(grpc::ClientContext*,
                                              const Request&, Response*),
           Request request) {
    return [this, method, request](absl::string_view key) {
      Response response;
      return Acc(method, key, request, &response);
    };
  }

  // A request for every RPC that the right key would be allowed to make,
  // touching Leeds' records.
  std::vector<std::pair<std::string, Rpc>> EveryRpc(
      const v1::Child& leeds_child, const v1::Adopter& leeds_adopter,
      const std::string& key_name);

  v1::CreateApiKeyResponse sheffield_;  // registrar
  v1::CreateApiKeyResponse leeds_;      // registrar
  v1::CreateApiKeyResponse finder_;     // Rotherham's family finder
};

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_REGISTRY_SERVER_FIXTURE_H_
