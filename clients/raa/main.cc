// raa: the raamatch command-line client.
//
//   raa --server 127.0.0.1:50051 --key $KEY child list --status waiting
//
// The server and key come from flags, the environment (RAA_SERVER, RAA_KEY,
// RAA_AUTHORITY) or a config file (--config, default ~/.config/raa/config.ini
// with lines like `server = 127.0.0.1:50051`).
#include <cstdlib>

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
  app.add_option("--server", cli.server, "raamatchd address")
      ->envname("RAA_SERVER")
      ->capture_default_str();
  app.add_option("--key", cli.key, "your API key")->envname("RAA_KEY");
  app.add_option("--authority", cli.authority,
                 "the member you act for (default for --authority below)")
      ->envname("RAA_AUTHORITY");
  app.add_flag("--json", cli.json, "print JSON instead of tables");
  app.add_option("--deadline", cli.deadline_seconds, "seconds per call")
      ->capture_default_str();

  raa::cli::AddRegistryCommands(app, cli);
  raa::cli::AddKeyCommands(app, cli);
  raa::cli::AddImportCommands(app, cli);
  raa::cli::AddMatchCommands(app, cli);
  raa::cli::AddPolicyCommands(app, cli);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : raa::cli::kExitUsage;
  }
  return cli.exit_code;
}
