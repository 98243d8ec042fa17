#include "common/enum_names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace raa {
namespace {

// The enums whose values issue 7 renamed, and the prefix their values had
// before ("" for none): the old name is this prefix and the value's suffix.
// Values numbered 0 (<ENUM>_UNSPECIFIED) kept their names, and so did every
// value of the enums not listed (Sex, SexPreference, NeedLevel, FastTrack,
// RankView), whose values already carried the enum's prefix.
struct LegacyPrefix {
  absl::string_view enum_name;
  absl::string_view prefix;
};
constexpr LegacyPrefix kLegacyPrefixes[] = {
    {"raa.v1.Role", ""},
    {"raa.v1.AuthorityKind", ""},
    {"raa.v1.AuthorityStatus", "AUTHORITY_"},
    {"raa.v1.NeedCategory", ""},
    {"raa.v1.Heritage", ""},
    {"raa.v1.Religion", ""},
    {"raa.v1.ContactPlan", "CONTACT_"},
    {"raa.v1.EarlyPermanence", ""},
    {"raa.v1.ChildStatus", "CHILD_"},
    {"raa.v1.AdopterStatus", "ADOPTER_"},
    {"raa.v1.AlertKind", "ALERT_"},
    {"raa.v1.FollowState", "FOLLOW_"},
    {"raa.v1.RegionKind", ""},
};

// Values of a listed enum that already had the enum's prefix.
constexpr absl::string_view kAlreadyPrefixed[] = {"EARLY_PERMANENCE_NONE"};

const LegacyPrefix* FindLegacyPrefix(
    const google::protobuf::EnumDescriptor* type) {
  for (const LegacyPrefix& legacy : kLegacyPrefixes) {
    if (legacy.enum_name == type->full_name()) return &legacy;
  }
  return nullptr;
}

}  // namespace

std::string EnumValuePrefix(const google::protobuf::EnumDescriptor* type) {
  std::string prefix;
  for (char c : type->name()) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) && !prefix.empty()) {
      prefix += '_';
    }
    prefix += absl::ascii_toupper(static_cast<unsigned char>(c));
  }
  prefix += '_';
  return prefix;
}

std::string EnumValueSuffix(const google::protobuf::EnumDescriptor* type,
                            int number) {
  const google::protobuf::EnumValueDescriptor* value =
      type->FindValueByNumber(number);
  if (value == nullptr) return "";
  absl::string_view name = value->name();
  absl::ConsumePrefix(&name, EnumValuePrefix(type));
  return std::string(name);
}

std::string EnumValueWords(const google::protobuf::EnumDescriptor* type,
                           int number) {
  std::string words = EnumValueSuffix(type, number);
  if (words.empty()) return "unknown";
  for (char& c : words) {
    c = c == '_' ? ' ' : absl::ascii_tolower(static_cast<unsigned char>(c));
  }
  return words;
}

std::string LegacyEnumName(const google::protobuf::EnumDescriptor* type,
                           int number) {
  const google::protobuf::EnumValueDescriptor* value =
      type->FindValueByNumber(number);
  if (value == nullptr) return "";
  const LegacyPrefix* legacy = FindLegacyPrefix(type);
  if (legacy == nullptr || number == 0) return value->name();
  for (absl::string_view kept : kAlreadyPrefixed) {
    if (value->name() == kept) return value->name();
  }
  return absl::StrCat(legacy->prefix, EnumValueSuffix(type, number));
}

}  // namespace raa
