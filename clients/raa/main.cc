// raa: the raamatch command-line client.
//
//   raa --server 127.0.0.1:50051 --key $KEY child list --status waiting
//
// The server and key come from flags, the environment (RAA_SERVER, RAA_KEY,
// RAA_AUTHORITY) or a config file (--config, default ~/.config/raa/config.ini
// with lines like `server = 127.0.0.1:50051`).
#include <cstdlib>
#include <string>
#include <utility>

#include "clients/raa/cli.h"

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
  app.add_option("--deadline", cli.deadline_seconds, "seconds per call")
      ->capture_default_str();
  app.add_option("--request-id", cli.request_id,
                 "for a write: reuse the id of an attempt whose answer was "
                 "lost, and the server answers it once (default: a new id)");

  raa::cli::AddRegistryCommands(app, cli);
  raa::cli::AddKeyCommands(app, cli);
  raa::cli::AddImportCommands(app, cli);
  raa::cli::AddMatchCommands(app, cli);
  raa::cli::AddPolicyCommands(app, cli);
  raa::cli::AddRegionCommands(app, cli);

  // Precedence: a flag, then the environment, then the config file. (CLI11
  // applies the config file first, so the environment is applied here, before
  // any command runs.)
  const std::pair<CLI::Option*, const char*> kFromEnvironment[] = {
      {server, "RAA_SERVER"}, {key, "RAA_KEY"}, {authority, "RAA_AUTHORITY"}};
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
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : raa::cli::kExitUsage;
  }
  return cli.exit_code;
}
