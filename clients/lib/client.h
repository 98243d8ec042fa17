// A small C++ client for raamatch: one channel, the bearer key on every call,
// a deadline on every call, and gRPC errors as absl::Status (with the
// google.rpc.BadRequest field violations kept, see ViolationsOf()).
//
//   RaaClient client({.server = "127.0.0.1:50051", .key = key});
//   absl::StatusOr<v1::Child> child =
//       client.Call(&v1::RegistryService::Stub::GetChild, request);
//
// Over TLS, verifying the server against a CA (and, for a server that
// requires client certificates, showing the member's own):
//
//   ASSIGN_OR_RETURN(ClientTls tls, LoadClientTls({.ca_file = "ca.crt"}));
//   RaaClient client({.server = "raa.example.org:50051", .key = key,
//                     .tls = tls});
#ifndef RAAMATCH_CLIENTS_LIB_CLIENT_H_
#define RAAMATCH_CLIENTS_LIB_CLIENT_H_

#include <memory>
#include <string>
#include <type_traits>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "grpcpp/grpcpp.h"
#include "raa/v1/access.grpc.pb.h"
#include "raa/v1/journey.grpc.pb.h"
#include "raa/v1/ledger.grpc.pb.h"
#include "raa/v1/matching.grpc.pb.h"
#include "raa/v1/registry.grpc.pb.h"
#include "raa/v1/report.grpc.pb.h"

namespace raa {

// Where a client's TLS material is: PEM file names, as given on a command
// line (raa --tls --ca --cert --client-key).
struct ClientTlsFiles {
  bool tls = false;         // TLS even without ca_file (gRPC's roots)
  std::string ca_file{};    // the CA that signed the server's certificate
  std::string cert_file{};  // the member's client certificate (mTLS)
  std::string key_file{};   // its private key
};

// How the channel is secured: the PEM text itself. Not enabled: plain text.
struct ClientTls {
  bool enabled = false;
  std::string ca_pem{};  // empty: the CAs gRPC trusts by default
  std::string cert_pem{};
  std::string key_pem{};
};

// Reads the files. Any file given implies TLS; a certificate needs its key
// and the reverse. INVALID_ARGUMENT naming the file and flag if a file
// cannot be read or holds no PEM block of the right kind.
absl::StatusOr<ClientTls> LoadClientTls(const ClientTlsFiles& files);

// The one place channel credentials are made: TLS verifying the server
// against tls.ca_pem (with the client certificate if given), or plain text.
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(
    const ClientTls& tls);

// Whether `key` can be sent as an API key: 1-200 characters of printable
// ASCII, no spaces (every key raamatchd issues is). gRPC aborts the whole
// process on a header value outside printable ASCII, so a client checks
// what a user typed before sending it; RaaClient refuses to call with one
// (UNAUTHENTICATED, nothing sent).
bool IsSendableKey(absl::string_view key);

struct ClientOptions {
  std::string server = "127.0.0.1:50051";
  std::string key;
  absl::Duration deadline = absl::Seconds(30);
  ClientTls tls{};  // default: plain text
};

class RaaClient {
 public:
  explicit RaaClient(const ClientOptions& options);

  // A context carrying the key and the deadline.
  std::unique_ptr<grpc::ClientContext> NewContext() const;

  // Calls a unary method of any raamatch stub.
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request) {
    if (!options_.key.empty() && !IsSendableKey(options_.key)) {
      return absl::UnauthenticatedError(
          "the API key holds characters a key cannot (it is printable ASCII "
          "without spaces, at most 200 characters): not sent");
    }
    std::unique_ptr<grpc::ClientContext> context = NewContext();
    Response response;
    grpc::Status status =
        (StubFor<Stub>().*method)(context.get(), request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    return response;
  }

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  v1::MatchingService::Stub& matching() { return *matching_; }

 private:
  template <typename Stub>
  Stub& StubFor() {
    if constexpr (std::is_same_v<Stub, v1::RegistryService::Stub>) {
      return *registry_;
    } else if constexpr (std::is_same_v<Stub, v1::MatchingService::Stub>) {
      return *matching_;
    } else if constexpr (std::is_same_v<Stub, v1::JourneyService::Stub>) {
      return *journey_;
    } else if constexpr (std::is_same_v<Stub, v1::ReportService::Stub>) {
      return *report_;
    } else if constexpr (std::is_same_v<Stub, v1::LedgerService::Stub>) {
      return *ledger_;
    } else {
      static_assert(std::is_same_v<Stub, v1::AccessService::Stub>);
      return *access_;
    }
  }

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RegistryService::Stub> registry_;
  std::unique_ptr<v1::AccessService::Stub> access_;
  std::unique_ptr<v1::MatchingService::Stub> matching_;
  std::unique_ptr<v1::JourneyService::Stub> journey_;
  std::unique_ptr<v1::ReportService::Stub> report_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
};

// A fresh random request id for a write.
std::string NewRequestId();

}  // namespace raa

#endif  // RAAMATCH_CLIENTS_LIB_CLIENT_H_
