// raa: the raamatch command-line client.
//
//   raa --server 127.0.0.1:50051 --key $KEY child list --status waiting
//
// The server and key come from flags, the environment (RAA_SERVER, RAA_KEY,
// RAA_AUTHORITY) or a config file (--config, default ~/.config/raa/config.ini
// with lines like `server = 127.0.0.1:50051`; a line that is not a known
// setting is an error naming the line). So does TLS: --ca (RAA_CA, `ca`)
// verifies the server and implies --tls; --cert and --client-key (RAA_CERT,
// RAA_CLIENT_KEY; `cert`, `client-key`) show the member's client
// certificate to a server that requires one.
//
// Exit codes: 0 done; 1 the server refused or failed; 2 bad usage (a flag,
// a config line, a file that cannot be read); 3 the server cannot be
// reached.
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/raa/cli.h"
#include "common/version.h"

namespace {

// The config file's path: --config PATH (or --config=PATH), else `fallback`.
std::string ConfigPath(int argc, char** argv, const std::string& fallback) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) return argv[i + 1];
    if (arg.rfind("--config=", 0) == 0) return arg.substr(9);
  }
  return fallback;
}

// Every line of the config file must be blank, a comment (# or ;), or
// `setting = value` for a global option of `app`. A wrong line is a usage
// error naming it, rather than a setting silently ignored.
bool CheckConfig(const CLI::App& app, const std::string& path) {
  std::ifstream in(path);
  if (!in) return true;  // no file: nothing to check
  std::set<std::string> known;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) {
      if (name != "help" && name != "config" && name != "version") {
        known.insert(name);
      }
    }
  }
  std::string line;
  int number = 0;
  bool ok = true;
  while (std::getline(in, line)) {
    ++number;
    std::string text(absl::StripAsciiWhitespace(line));
    if (number == 1 && text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    size_t equals = text.find('=');
    std::string setting(absl::StripAsciiWhitespace(text.substr(0, equals)));
    std::string key = absl::AsciiStrToLower(setting);
    for (char& c : key) {
      if (c == '_') c = '-';
    }
    if (equals == std::string::npos || !known.contains(key)) {
      std::cerr << "error: " << path << " line " << number << ": \"" << setting
                << "\" is not a setting raa knows; use one of: "
                << absl::StrJoin(known, ", ") << " (as \"name = value\")\n";
      ok = false;
    }
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  raa::cli::Cli cli;
  CLI::App app{
      "raa: the raamatch client for registrars, family finders, finance "
      "officers and consortium managers"};
  app.require_subcommand(1);
  app.fallthrough();
  const char* home = std::getenv("HOME");
  std::string config =
      home != nullptr ? std::string(home) + "/.config/raa/config.ini" : "";
  config = ConfigPath(argc, argv, config);
  app.set_config("--config", config, "config file (server, key, authority)");
  CLI::Option* server =
      app.add_option("--server", cli.server, "raamatchd address (RAA_SERVER)")
          ->capture_default_str();
  CLI::Option* key = app.add_option("--key", cli.key, "your API key (RAA_KEY)");
  CLI::Option* authority = app.add_option(
      "--authority", cli.authority,
      "the member you act for, the default where a command needs one "
      "(RAA_AUTHORITY)");
  app.add_flag("--json", cli.json, "print JSON instead of tables");
  app.add_flag("--csv", cli.csv,
               "print CSV for a spreadsheet (every column; see docs)");
  app.add_flag("--wide", cli.wide,
               "print every column at full width, however wide");
  app.add_option("--columns", cli.columns,
                 "only these columns, in this order: --columns name,status");
  app.add_option("--deadline", cli.deadline_seconds, "seconds per call")
      ->capture_default_str();
  app.set_version_flag("--version", std::string("raa ") + raa::kVersion,
                       "print the version and exit");
  app.add_flag(
      "--tls", cli.tls_files.tls,
      "connect with TLS, trusting the public CAs gRPC ships (implied by "
      "--ca, --cert)");
  CLI::Option* ca = app.add_option(
      "--ca", cli.tls_files.ca_file,
      "PEM file of the CA that signed the server's certificate: connect "
      "with TLS and verify the server (RAA_CA)");
  CLI::Option* cert =
      app.add_option("--cert", cli.tls_files.cert_file,
                     "PEM file of your member's client certificate, for a "
                     "server that requires one (RAA_CERT)");
  CLI::Option* client_key =
      app.add_option("--client-key", cli.tls_files.key_file,
                     "PEM file of the private key of --cert (RAA_CLIENT_KEY)");
  app.add_option("--request-id", cli.request_id,
                 "for a write: reuse the id of an attempt whose answer was "
                 "lost, and the server answers it once (default: a new id)");

  raa::cli::AddRegistryCommands(app, cli);
  raa::cli::AddKeyCommands(app, cli);
  raa::cli::AddImportCommands(app, cli);
  raa::cli::AddMatchCommands(app, cli);
  raa::cli::AddPolicyCommands(app, cli);
  raa::cli::AddRegionCommands(app, cli);
  raa::cli::AddAuditCommands(app, cli);
  raa::cli::AddLinkCommands(app, cli);
  raa::cli::AddReportCommands(app, cli);
  raa::cli::AddJourneyCommands(app, cli);
  raa::cli::AddLedgerCommands(app, cli);

  // Precedence: a flag, then the environment, then the config file. (CLI11
  // applies the config file first, so the environment is applied here, before
  // any command runs.)
  const std::pair<CLI::Option*, const char*> kFromEnvironment[] = {
      {server, "RAA_SERVER"},       {key, "RAA_KEY"},
      {authority, "RAA_AUTHORITY"}, {ca, "RAA_CA"},
      {cert, "RAA_CERT"},           {client_key, "RAA_CLIENT_KEY"}};
  auto on_command_line = [&](const CLI::Option* option) {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      for (const std::string& name : option->get_lnames()) {
        if (arg == "--" + name || arg.rfind("--" + name + "=", 0) == 0) {
          return true;
        }
      }
    }
    return false;
  };
  app.parse_complete_callback([&] {
    for (const auto& [option, variable] : kFromEnvironment) {
      const char* value = std::getenv(variable);
      if (value != nullptr && *value != '\0' && !on_command_line(option)) {
        option->clear();
        option->add_result(value);
        option->run_callback();
      }
    }
    if (!cli.key.empty() && !raa::IsSendableKey(cli.key)) {
      throw CLI::ValidationError(
          cli.key.size() > 200
              ? "--key (RAA_KEY): longer than an API key can be (at most "
                "200 characters)"
              : "--key (RAA_KEY): an API key is printable ASCII without "
                "spaces, like raa_0123456789abcdef_...; this one holds other "
                "characters");
    }
    absl::StatusOr<raa::ClientTls> tls = raa::LoadClientTls(cli.tls_files);
    if (!tls.ok())
      throw CLI::ValidationError(std::string(tls.status().message()));
    cli.tls = *std::move(tls);
  });

  bool wants_help_or_version = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    wants_help_or_version |=
        arg == "--help" || arg == "-h" || arg == "--version";
  }
  if (!wants_help_or_version && !config.empty() && !CheckConfig(app, config)) {
    return raa::cli::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : raa::cli::kExitUsage;
  }
  if (cli.exit_code == raa::cli::kExitUnavailable &&
      !cli.generated_request_id.empty()) {
    // The write may have been made before its answer was lost: the same id
    // makes it at most once.
    std::cerr << "(to try this write again safely, run the same command "
                 "with --request-id "
              << cli.generated_request_id << ")\n";
  }
  return cli.exit_code;
}
