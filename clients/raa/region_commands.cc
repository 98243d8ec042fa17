// raa region list|create|check: the consortium's list of regions, which
// every region field must name.
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "clients/lib/profile_text.h"
#include "clients/raa/cli.h"

namespace raa::cli {
namespace {

using Registry = v1::RegistryService::Stub;

std::string Slug(const std::string& name) {
  return std::string(absl::StripPrefix(name, "regions/"));
}

void AddRegionListCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand("list", "list the regions you can name");
  auto kind = std::make_shared<std::string>();
  auto parent = std::make_shared<std::string>();
  cmd->add_option("--kind", *kind,
                  "only this kind: country, english_region, county, "
                  "local_authority_area or consortium_area");
  cmd->add_option("--parent", *parent,
                  "only regions within this one, e.g. "
                  "yorkshire-and-the-humber");
  cmd->callback([&cli, kind, parent] {
    v1::ListRegionsRequest request;
    if (!kind->empty()) {
      auto k = FlagEnum(cli, "--kind", v1::RegionKind_descriptor(), *kind);
      if (!k) return;
      request.set_kind(static_cast<v1::RegionKind>(*k));
    }
    request.set_parent(*parent);
    request.set_page_size(1000);
    v1::ListRegionsResponse all;
    if (!FetchPages(cli, &Registry::ListRegions, request, true, all)) return;
    if (cli.json) return PrintJson(all);
    Table table({"REGION", "NAME", "KIND", "WITHIN", "SOURCE"});
    for (const v1::Region& r : all.regions()) {
      table.AddRow({Slug(r.name()), r.display_name(),
                    EnumLabel(v1::RegionKind_descriptor(), r.kind()),
                    r.parent(), r.shipped() ? "shipped" : "consortium"});
    }
    table.Print();
  });
}

void AddRegionCreateCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "create", "add an area of the consortium's own (managers)");
  auto slug = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>();
  auto parent = std::make_shared<std::string>();
  cmd->add_option("region", *slug,
                  "the new slug: 2-40 of a-z, 0-9 and '-', e.g. "
                  "harrogate-district")
      ->required();
  cmd->add_option("--name", *name, "its display name, e.g. \"Harrogate\"")
      ->required();
  cmd->add_option("--kind", *kind,
                  "consortium_area (the default), county or "
                  "local_authority_area");
  cmd->add_option("--parent", *parent,
                  "the listed region it lies in, e.g. north-yorkshire");
  cmd->callback([&cli, slug, name, kind, parent] {
    v1::CreateRegionRequest request;
    request.set_region_id(*slug);
    request.mutable_region()->set_display_name(*name);
    if (!kind->empty()) {
      auto k = FlagEnum(cli, "--kind", v1::RegionKind_descriptor(), *kind);
      if (!k) return;
      request.mutable_region()->set_kind(static_cast<v1::RegionKind>(*k));
    }
    request.mutable_region()->set_parent(*parent);
    request.set_request_id(cli.RequestId());
    auto region = cli.client().Call(&Registry::CreateRegion, request);
    if (!region.ok()) {
      cli.exit_code = Fail(region.status());
      return;
    }
    if (cli.json) return PrintJson(*region);
    std::cout << "added " << Slug(region->name()) << " ("
              << region->display_name() << ")\n";
  });
}

void AddRegionCheckCommand(CLI::App* group, Cli& cli) {
  auto* cmd = group->add_subcommand(
      "check",
      "list stored records whose regions or languages are not in the lists "
      "(managers see every member's; others their own)");
  cmd->callback([&cli] {
    auto response =
        cli.client().Call(&Registry::CheckRegions, v1::CheckRegionsRequest());
    if (!response.ok()) {
      cli.exit_code = Fail(response.status());
      return;
    }
    if (cli.json) return PrintJson(*response);
    if (response->unknown().empty()) {
      std::cout << "Every stored region and language is in the lists.\n";
      return;
    }
    Table table({"RECORD", "FIELD", "VALUE", "DID YOU MEAN"});
    for (const v1::UnknownValue& u : response->unknown()) {
      table.AddRow({u.record(), u.field(), u.value(),
                    absl::StrJoin(u.suggestions(), ", ")});
    }
    table.Print();
    std::cout << response->unknown_size()
              << " unknown value(s): fix each record (raa child update / raa "
                 "adopter update), or add a missing region (raa region "
                 "create).\n";
  });
}

}  // namespace

void AddRegionCommands(CLI::App& app, Cli& cli) {
  CLI::App* group = app.add_subcommand(
      "region",
      "the consortium's list of regions (every region field names one)");
  group->require_subcommand(1);
  AddRegionListCommand(group, cli);
  AddRegionCreateCommand(group, cli);
  AddRegionCheckCommand(group, cli);
}

}  // namespace raa::cli
