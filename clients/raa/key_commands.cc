// raa key create|list|revoke (managers issue keys to members).
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "clients/lib/profile_text.h"
#include "clients/raa/cli.h"
#include "google/protobuf/util/time_util.h"

namespace raa::cli {
namespace {

using Access = v1::AccessService::Stub;
using google::protobuf::util::TimeUtil;

std::string Roles(const v1::ApiKey& key) {
  return absl::StrJoin(key.roles(), ",", [](std::string* out, int r) {
    out->append(EnumLabel(v1::Role_descriptor(), r));
  });
}

std::string When(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "";
  return TimeUtil::ToString(t).substr(0, 19);
}

void AddKeyCreateCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("create", "issue a key to a member");
  auto authority = std::make_shared<std::string>();
  auto roles = std::make_shared<std::vector<std::string>>();
  auto label = std::make_shared<std::string>();
  cmd->add_option("--for", *authority, "the member authority's id")->required();
  cmd->add_option("--role", *roles,
                  "REQUIRED: " + EnumChoices(v1::Role_descriptor()) +
                      " (repeat, or separate with commas)")
      ->required()
      ->delimiter(',');
  cmd->add_option("--label", *label,
                  "who holds it, e.g. \"Leeds family finding\"");
  cmd->callback([&cli, authority, roles, label] {
    v1::CreateApiKeyRequest request;
    request.mutable_api_key()->set_authority(
        absl::StrCat("authorities/", *authority));
    request.mutable_api_key()->set_display_name(*label);
    for (const std::string& r : *roles) {
      auto role = FlagEnum(cli, "--role", v1::Role_descriptor(), r);
      if (!role) return;
      request.mutable_api_key()->add_roles(static_cast<v1::Role>(*role));
    }
    request.set_request_id(cli.RequestId());
    auto response = cli.client().Call(&Access::CreateApiKey, request);
    if (!response.ok()) {
      cli.exit_code = Fail(response.status());
      return;
    }
    if (cli.json) return PrintJson(*response);
    PrintFields({{"key", std::string(absl::StripPrefix(
                             response->api_key().name(), "apiKeys/"))},
                 {"authority", response->api_key().authority()},
                 {"roles", Roles(response->api_key())},
                 {"secret", response->secret()}},
                {"secret"});
    if (response->secret().empty()) {
      std::cout << "This request was answered before: its secret was shown "
                   "then, and only then.\n";
    } else {
      std::cout << "The secret is shown only now: pass it as --key or "
                   "RAA_KEY.\n";
    }
  });
}

void AddKeyListCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("list", "list keys (never their secrets)");
  auto authority = std::make_shared<std::string>();
  auto paging = std::make_shared<Paging>();
  cmd->add_option("--for", *authority, "one member's keys");
  paging->Add(cmd, 100, 1000, "keys");
  cmd->callback([&cli, authority, paging] {
    if (!paging->Check(cli)) return;
    v1::ListApiKeysRequest request;
    if (!authority->empty())
      request.set_parent(absl::StrCat("authorities/", *authority));
    v1::ListApiKeysResponse all;
    if (!FetchPages(
            cli, &Access::ListApiKeys, request, *paging,
            [](const auto& page) { return page.api_keys_size(); }, all)) {
      return;
    }
    if (cli.json) return PrintJson(all);
    Table table({"KEY", "AUTHORITY", "ROLES", "LABEL", "CREATED", "REVOKED"});
    for (const v1::ApiKey& k : all.api_keys()) {
      table.AddRow(
          {std::string(absl::StripPrefix(k.name(), "apiKeys/")),
           std::string(absl::StripPrefix(k.authority(), "authorities/")),
           Roles(k), k.display_name(), When(k.create_time()),
           When(k.revoke_time())});
    }
    table.Print();
    PrintMore(cli, all.next_page_token());
  });
}

void AddKeyRevokeCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("revoke", "stop a key working, at once");
  auto id = std::make_shared<std::string>();
  cmd->add_option("key", *id, "the key id (not the secret)")->required();
  cmd->callback([&cli, id] {
    v1::RevokeApiKeyRequest request;
    request.set_name(absl::StrCat("apiKeys/", *id));
    request.set_request_id(cli.RequestId());
    auto key = cli.client().Call(&Access::RevokeApiKey, request);
    if (!key.ok()) {
      cli.exit_code = Fail(key.status());
      return;
    }
    if (cli.json) return PrintJson(*key);
    std::cout << "revoked " << *id << "\n";
  });
}

}  // namespace

void AddKeyCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand("key", "API keys (managers issue them)");
  group->require_subcommand(1);
  AddKeyCreateCommand(group, cli);
  AddKeyListCommand(group, cli);
  AddKeyRevokeCommand(group, cli);
}

}  // namespace raa::cli
