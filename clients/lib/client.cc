#include "clients/lib/client.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace raa {
namespace {

// The file's text, checked to hold a PEM block whose label contains `label`
// ("CERTIFICATE", "PRIVATE KEY").
absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view flag,
                                    absl::string_view label) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string pem = text.str();
  size_t begin = pem.find("-----BEGIN ");
  if (begin == std::string::npos ||
      !absl::StrContains(pem.substr(begin, pem.find('\n', begin) - begin),
                         label)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": ", path, " holds no PEM ", absl::AsciiStrToLower(label),
        " (-----BEGIN ... ", label, "-----)"));
  }
  return pem;
}

}  // namespace

absl::StatusOr<ClientTls> LoadClientTls(const ClientTlsFiles& files) {
  ClientTls tls;
  tls.enabled = files.tls || !files.ca_file.empty() ||
                !files.cert_file.empty() || !files.key_file.empty();
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError(
        "--cert and --client-key go together: your member's client "
        "certificate and its private key");
  }
  if (!files.ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadPem(files.ca_file, "--ca", "CERTIFICATE");
    if (!ca.ok()) return ca.status();
    tls.ca_pem = *std::move(ca);
  }
  if (!files.cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadPem(files.cert_file, "--cert", "CERTIFICATE");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadPem(files.key_file, "--client-key", "PRIVATE KEY");
    if (!key.ok()) return key.status();
    tls.cert_pem = *std::move(cert);
    tls.key_pem = *std::move(key);
  }
  return tls;
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(
    const ClientTls& tls) {
  if (!tls.enabled) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = tls.ca_pem;
  ssl.pem_private_key = tls.key_pem;
  ssl.pem_cert_chain = tls.cert_pem;
  return grpc::SslCredentials(ssl);
}

namespace {

// gRPC's reconnect backoff grows to 120 s while the server is down, and
// gRPC 1.51 also waits out each attempt's connect timeout (20 s by default,
// GRPC_ARG_MIN_RECONNECT_BACKOFF_MS) before the next, so a console whose
// raamatchd was down for a minute refused every page for up to as long
// again after it was back (outside probe: 43-77 s). Here it tries again
// every 3 s at most, giving each attempt 1-3 s to connect (TCP and TLS
// handshakes take far less). Calls still fail at once while it is down.
grpc::ChannelArguments ChannelArgs() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 3000);
  return args;
}

}  // namespace

RaaClient::RaaClient(const ClientOptions& options)
    : options_(options),
      channel_(grpc::CreateCustomChannel(
          options.server, ChannelCredentialsFor(options.tls), ChannelArgs())),
      registry_(v1::RegistryService::NewStub(channel_)),
      access_(v1::AccessService::NewStub(channel_)),
      matching_(v1::MatchingService::NewStub(channel_)),
      journey_(v1::JourneyService::NewStub(channel_)),
      report_(v1::ReportService::NewStub(channel_)),
      ledger_(v1::LedgerService::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> RaaClient::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (IsSendableKey(options_.key)) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options_.key));
  }
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.deadline));
  return context;
}

std::string NewRequestId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("%016x%016x", rng(), rng());
}

bool IsSendableKey(absl::string_view key) {
  if (key.empty() || key.size() > 200) return false;
  for (char c : key) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

}  // namespace raa
