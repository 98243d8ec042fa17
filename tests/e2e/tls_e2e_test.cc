// End to end, over the network as a member's client sees it: the real
// raamatchd process serving TLS (and mTLS) with certificates made at test
// time by scripts/make-certs.sh (the `openssl` command) in a temp directory,
// and clients that verify it: the client library and the `raa` program.
// Also raamatchd's command line: the plain-text rule, usage errors (exit 2)
// and --version.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "clients/lib/client.h"
#include "common/version.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/auth/auth.h"
#include "services/server/server.h"
#include "tests/support/builders.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/processes.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/status_matchers.h"

namespace raa::test {
namespace {

using ::testing::HasSubstr;
using Result = CommandResult;

// A CA and certificates for the server and for members, made by
// scripts/make-certs.sh in `dir`/`name`.
struct Pki {
  std::string dir;
  std::string ca() const { return dir + "/ca.crt"; }
  std::string server_cert() const { return dir + "/server.crt"; }
  std::string server_key() const { return dir + "/server.key"; }
  ClientTlsFiles Member(const std::string& id) const {
    return {.tls = true,
            .ca_file = ca(),
            .cert_file = dir + "/members/" + id + ".crt",
            .key_file = dir + "/members/" + id + ".key"};
  }
};

Pki MakePki(const ScratchDir& scratch, const std::string& name,
            const std::vector<std::string>& members) {
  Pki pki{scratch.File(name)};
  std::vector<std::string> args = {MAKE_CERTS_PATH, pki.dir};
  args.insert(args.end(), members.begin(), members.end());
  std::vector<std::string> quoted;
  for (const std::string& a : args) quoted.push_back(Quote(a));
  Result r = Shell(scratch, absl::StrJoin(quoted, " "));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return pki;
}

// raamatchd on a database in `dir` (tests/support/processes.h), expected to
// shut down cleanly on SIGTERM when the test is done with it.
class Daemon : public Raamatchd {
 public:
  explicit Daemon(const ScratchDir& dir) : Raamatchd(RAAMATCHD_PATH, dir) {}
  ~Daemon() { StopCleanly(); }
};

// A client of `server` with `key` over TLS from `files` (plain text if none).
RaaClient ClientOf(const std::string& server, const std::string& key,
                   const ClientTlsFiles& files) {
  absl::StatusOr<ClientTls> tls = LoadClientTls(files);
  EXPECT_THAT(tls.status(), IsOk());
  return RaaClient({.server = server,
                    .key = key,
                    .deadline = absl::Seconds(10),
                    .tls = tls.value_or(ClientTls{})});
}

absl::Status ListAuthorities(RaaClient& client) {
  return client
      .Call(&v1::RegistryService::Stub::ListAuthorities,
            v1::ListAuthoritiesRequest())
      .status();
}

// Creates member `id` and returns a registrar + family finder key for it.
std::string CreateMember(RaaClient& manager, const std::string& id) {
  v1::CreateAuthorityRequest authority;
  authority.set_authority_id(id);
  *authority.mutable_authority() =
      ValidAuthority(id + " council", "south-yorkshire");
  authority.set_request_id(NewRequestId());
  EXPECT_THAT(
      manager.Call(&v1::RegistryService::Stub::CreateAuthority, authority)
          .status(),
      IsOk());
  v1::CreateApiKeyRequest key;
  key.mutable_api_key()->set_authority("authorities/" + id);
  key.mutable_api_key()->add_roles(v1::ROLE_REGISTRAR);
  key.mutable_api_key()->add_roles(v1::ROLE_FAMILY_FINDER);
  key.mutable_api_key()->set_display_name("tls test");
  key.set_request_id(NewRequestId());
  absl::StatusOr<v1::CreateApiKeyResponse> issued =
      manager.Call(&v1::AccessService::Stub::CreateApiKey, key);
  EXPECT_THAT(issued.status(), IsOk());
  return issued.ok() ? issued->secret() : "";
}

// ---------------------------------------------------------------- TLS

class TlsEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = MakePki(dir_, "pki", {});
    server_.Start({"--listen", "127.0.0.1:0", "--tls-cert", pki_.server_cert(),
                   "--tls-key", pki_.server_key()});
  }

  // Runs `raa` with `env` (NAME=value words) against the server.
  Result Raa(const std::string& env, const std::vector<std::string>& args) {
    std::vector<std::string> quoted;
    for (const std::string& a : args) quoted.push_back(Quote(a));
    return Shell(
        dir_,
        absl::StrCat("env -u RAA_CA -u RAA_CERT -u RAA_CLIENT_KEY "
                     "HOME=",
                     Quote(dir_.path()), " RAA_SERVER=", server_.address(), " ",
                     env, " ", RAA_PATH, " ", absl::StrJoin(quoted, " ")));
  }

  ScratchDir dir_;
  Pki pki_;
  Daemon server_{dir_};
};

TEST_F(TlsEndToEnd, AClientThatTrustsTheServersCaIsAnswered) {
  RaaClient client = ClientOf(server_.address(), server_.manager_key(),
                              {.ca_file = pki_.ca()});
  EXPECT_THAT(ListAuthorities(client), IsOk());
  EXPECT_THAT(server_.out(), HasSubstr("(TLS)"));
}

TEST_F(TlsEndToEnd, AClientThatTrustsAnotherCaRefusesTheServer) {
  Pki other = MakePki(dir_, "other", {});
  RaaClient client = ClientOf(server_.address(), server_.manager_key(),
                              {.ca_file = other.ca()});
  EXPECT_THAT(ListAuthorities(client),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(TlsEndToEnd, APlainTextClientGetsNoAnswerFromATlsServer) {
  RaaClient client = ClientOf(server_.address(), server_.manager_key(), {});
  EXPECT_THAT(ListAuthorities(client),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(TlsEndToEnd, RaaVerifiesTheServerWithTheCaFromFlagEnvironmentOrConfig) {
  std::string key = "RAA_KEY=" + Quote(server_.manager_key());
  Result by_flag = Raa(key, {"--ca", pki_.ca(), "authority", "list"});
  EXPECT_EQ(by_flag.exit_code, 0) << by_flag.err;
  EXPECT_THAT(by_flag.out, HasSubstr("hub"));

  Result by_env =
      Raa(key + " RAA_CA=" + Quote(pki_.ca()), {"authority", "list"});
  EXPECT_EQ(by_env.exit_code, 0) << by_env.err;

  std::string config = dir_.File("raa.ini");
  std::ofstream(config) << "ca = " << pki_.ca() << "\n";
  Result by_config = Raa(key, {"--config", config, "authority", "list"});
  EXPECT_EQ(by_config.exit_code, 0) << by_config.err;

  Result plain = Raa(key, {"authority", "list"});
  EXPECT_EQ(plain.exit_code, 3) << plain.err;

  Pki other = MakePki(dir_, "other", {});
  Result wrong_ca = Raa(key, {"--ca", other.ca(), "authority", "list"});
  EXPECT_EQ(wrong_ca.exit_code, 3) << wrong_ca.err;
  EXPECT_THAT(wrong_ca.err, HasSubstr("--ca"));

  Result missing =
      Raa(key, {"--ca", dir_.File("nope.crt"), "authority", "list"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("nope.crt"));
}

// ---------------------------------------------------------------- mTLS

class MutualTlsEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = MakePki(dir_, "pki", {"hub", "sheffield", "leeds"});
    server_.Start({"--listen", "127.0.0.1:0", "--tls-cert", pki_.server_cert(),
                   "--tls-key", pki_.server_key(), "--client-ca", pki_.ca()});
    RaaClient manager =
        ClientOf(server_.address(), server_.manager_key(), pki_.Member("hub"));
    sheffield_key_ = CreateMember(manager, "sheffield");
    leeds_key_ = CreateMember(manager, "leeds");
  }

  ScratchDir dir_;
  Pki pki_;
  Daemon server_{dir_};
  std::string sheffield_key_;
  std::string leeds_key_;
};

TEST_F(MutualTlsEndToEnd, AKeyWithItsOwnMembersCertificateIsAnswered) {
  RaaClient sheffield =
      ClientOf(server_.address(), sheffield_key_, pki_.Member("sheffield"));
  EXPECT_THAT(ListAuthorities(sheffield), IsOk());
  EXPECT_THAT(server_.out(), HasSubstr("client certificates"));
}

TEST_F(MutualTlsEndToEnd, ACallWithoutAClientCertificateIsRefused) {
  RaaClient no_cert =
      ClientOf(server_.address(), sheffield_key_, {.ca_file = pki_.ca()});
  EXPECT_THAT(ListAuthorities(no_cert),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(MutualTlsEndToEnd, ACertificateFromAnotherCaIsRefused) {
  Pki other = MakePki(dir_, "other", {"sheffield"});
  ClientTlsFiles files = other.Member("sheffield");
  files.ca_file = pki_.ca();  // trusts the server, but is not trusted
  RaaClient stranger = ClientOf(server_.address(), sheffield_key_, files);
  EXPECT_THAT(ListAuthorities(stranger),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(MutualTlsEndToEnd, AKeyOfOneMemberWithTheCertificateOfAnotherIsRefused) {
  RaaClient mixed =
      ClientOf(server_.address(), sheffield_key_, pki_.Member("leeds"));
  absl::Status status = ListAuthorities(mixed);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(status.message(), HasSubstr("belongs to sheffield"));
  EXPECT_THAT(status.message(), HasSubstr("issued to leeds"));

  // The manager's key goes with the hub's certificate only.
  RaaClient manager_as_leeds =
      ClientOf(server_.address(), server_.manager_key(), pki_.Member("leeds"));
  EXPECT_THAT(ListAuthorities(manager_as_leeds),
              StatusIs(absl::StatusCode::kPermissionDenied));

  // The same rule on the alert stream.
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + sheffield_key_);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::WatchMatchesRequest request;
  request.add_children("authorities/sheffield/children/c1");
  auto reader = mixed.matching().WatchMatches(&context, request);
  v1::MatchAlert alert;
  EXPECT_FALSE(reader->Read(&alert));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(MutualTlsEndToEnd, RaaShowsTheMembersCertificateFromFlagsOrEnvironment) {
  std::string base = absl::StrCat(
      "env -u RAA_CA -u RAA_CERT -u RAA_CLIENT_KEY HOME=", Quote(dir_.path()),
      " RAA_SERVER=", server_.address(), " RAA_KEY=", Quote(sheffield_key_));
  ClientTlsFiles sheffield = pki_.Member("sheffield");
  Result by_env =
      Shell(dir_, absl::StrCat(base, " RAA_CA=", Quote(sheffield.ca_file),
                               " RAA_CERT=", Quote(sheffield.cert_file),
                               " RAA_CLIENT_KEY=", Quote(sheffield.key_file),
                               " ", RAA_PATH, " authority list"));
  EXPECT_EQ(by_env.exit_code, 0) << by_env.err;

  ClientTlsFiles leeds = pki_.Member("leeds");
  Result mixed = Shell(
      dir_, absl::StrCat(base, " ", RAA_PATH, " --ca ", Quote(leeds.ca_file),
                         " --cert ", Quote(leeds.cert_file), " --client-key ",
                         Quote(leeds.key_file), " authority list"));
  EXPECT_EQ(mixed.exit_code, 1) << mixed.err;
  EXPECT_THAT(mixed.err, HasSubstr("PERMISSION_DENIED"));

  Result half =
      Shell(dir_, absl::StrCat(base, " ", RAA_PATH, " --ca ",
                               Quote(leeds.ca_file), " --cert ",
                               Quote(leeds.cert_file), " authority list"));
  EXPECT_EQ(half.exit_code, 2) << half.err;
  EXPECT_THAT(half.err, HasSubstr("--client-key"));
}

// ---------------------------------------------------------------- raamatchd

TEST(RaamatchdCommandLine, RefusesPlainTextOffLoopbackUnlessInsecure) {
  ScratchDir dir;
  Daemon refused(dir);
  refused.Spawn({"--listen", "0.0.0.0:0"});
  EXPECT_EQ(refused.Exit(), 2);
  EXPECT_THAT(refused.err(), HasSubstr("--insecure"));
  EXPECT_THAT(refused.err(), HasSubstr("--tls-cert"));

  Daemon allowed(dir);
  allowed.Start({"--listen", "0.0.0.0:0", "--insecure"});
  EXPECT_THAT(allowed.out(), HasSubstr("(plain text)"));
  allowed.StopCleanly();

  Daemon loopback(dir);
  loopback.Start({"--listen", "localhost:0"});
  loopback.StopCleanly();
}

TEST(RaamatchdCommandLine, TlsServesAnyAddressWithoutInsecure) {
  ScratchDir dir;
  Pki pki = MakePki(dir, "pki", {});
  Daemon server(dir);
  server.Start({"--listen", "0.0.0.0:0", "--tls-cert", pki.server_cert(),
                "--tls-key", pki.server_key()});
  RaaClient client =
      ClientOf(server.address(), server.manager_key(), {.ca_file = pki.ca()});
  EXPECT_THAT(ListAuthorities(client), IsOk());
}

TEST(RaamatchdCommandLine, UsageErrorsExitTwoAndBadFilesExitOne) {
  ScratchDir dir;
  Pki pki = MakePki(dir, "pki", {});
  struct Case {
    std::vector<std::string> flags;
    int exit_code;
    std::string message;
  };
  const Case cases[] = {
      {{"--no-such-flag"}, 2, "--no-such-flag"},
      {{"--workers", "0"}, 2, "--workers"},
      {{"--tls-cert", pki.server_cert()}, 2, "--tls-key"},
      {{"--client-ca", pki.ca()}, 2, "--client-ca needs"},
      {{"--tls-cert", pki.server_cert(), "--tls-key", dir.File("none.key")},
       1,
       "none.key"},
      // A key that is not the certificate's.
      {{"--tls-cert", pki.server_cert(), "--tls-key", pki.dir + "/ca.key"},
       1,
       "is not the key of the certificate"},
      {{"--tls-cert", pki.server_key(), "--tls-key", pki.server_key()},
       1,
       "holds no PEM certificate"},
  };
  for (const Case& c : cases) {
    Daemon server(dir);
    std::vector<std::string> flags = {"--listen", "127.0.0.1:0"};
    flags.insert(flags.end(), c.flags.begin(), c.flags.end());
    server.Spawn(flags);
    EXPECT_EQ(server.Exit(), c.exit_code) << absl::StrJoin(c.flags, " ");
    EXPECT_THAT(server.err(), HasSubstr(c.message))
        << absl::StrJoin(c.flags, " ");
  }
}

TEST(RaamatchdCommandLine, BothProgramsPrintTheProjectVersion) {
  ScratchDir dir;
  Result server = Shell(dir, absl::StrCat(RAAMATCHD_PATH, " --version"));
  EXPECT_EQ(server.exit_code, 0);
  EXPECT_EQ(server.out, absl::StrCat("raamatchd ", kVersion, "\n"));
  Result client = Shell(dir, absl::StrCat(RAA_PATH, " --version"));
  EXPECT_EQ(client.exit_code, 0);
  EXPECT_EQ(client.out, absl::StrCat("raa ", kVersion, "\n"));
  EXPECT_THAT(std::string(kVersion),
              ::testing::MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+"));
}

// ---------------------------------------------------------------- the rules

TEST(LoopbackRule, OnlyAddressesThisMachineAloneCanReachAreLoopback) {
  for (const char* address :
       {"127.0.0.1:50051", "127.1.2.3:0", "localhost:50051", "LOCALHOST:1",
        "[::1]:50051", "[::ffff:127.0.0.1]:1", "unix:/run/raamatch.sock"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address :
       {"0.0.0.0:50051", "[::]:50051", "192.168.1.10:50051", "128.0.0.1:1",
        "raa.example.org:50051", ":50051", "localhost.example.org:1",
        "[::1:50051", "50051"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

// Outside probe: gRPC served --listen 127.0.0.1:99999 on port 34463 and
// 127.0.0.1: on 443; garbage was told about TLS, not that it is malformed.
TEST(ListenRule, AListenAddressIsAHostAndAPortOf0To65535) {
  for (const char* address :
       {"127.0.0.1:50051", "127.0.0.1:0", "0.0.0.0:65535", "[::1]:50051",
        "localhost:1", "unix:/run/raamatch.sock"}) {
    EXPECT_THAT(CheckListenAddress(address), IsOk()) << address;
  }
  for (const char* address :
       {"127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:", "127.0.0.1:-1",
        "127.0.0.1:5e4", "garbage", "localhost50541", ":50051", ""}) {
    EXPECT_THAT(CheckListenAddress(address),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << address;
  }
  ScratchDir dir;
  Result refused = Shell(dir, absl::StrCat(RAAMATCHD_PATH, " --db ", dir.path(),
                                           "/raa.db --listen 127.0.0.1:99999"));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("is not HOST:PORT"));
}

// A port file that cannot be written stops the server: whoever waits for
// the file would wait for ever.
TEST(PortFile, APortFileThatCannotBeWrittenStopsTheServer) {
  ScratchDir dir;
  const std::string db = absl::StrCat(dir.path(), "/raa.db");
  Result refused =
      Shell(dir, absl::StrCat(RAAMATCHD_PATH, " --db ", db,
                              " --listen 127.0.0.1:0 --port-file ", dir.path(),
                              "/no-such-directory/port"));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("cannot write"));
  EXPECT_THAT(refused.err, HasSubstr("no-such-directory/port"));
}

TEST(KeyBinding, AKeyGoesOnlyWithTheCertificateOfItsOwnMember) {
  Caller sheffield{.authority_id = "sheffield", .key_id = "k", .roles = 0};
  EXPECT_THAT(CheckKeyMatchesCertificate(sheffield, "sheffield"), IsOk());
  EXPECT_THAT(CheckKeyMatchesCertificate(sheffield, "leeds"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(CheckKeyMatchesCertificate(sheffield, "Sheffield"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(CheckKeyMatchesCertificate(sheffield, ""),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace raa::test
