#include "clients/lib/user_json.h"

#include <cstdlib>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/enum_names.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "raa/v1/access.pb.h"
#include "raa/v1/matching.pb.h"
#include "raa/v1/registry.pb.h"

namespace raa {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::DynamicMessageFactory;
using google::protobuf::EnumDescriptorProto;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using google::protobuf::Message;

// The API's .proto files as users' JSON sees them: each raa.v1 enum with the
// old spelling of every renamed value added before its API name, as an alias
// (allow_alias) with the same number. protobuf's JSON printer writes the
// first name of a number, the old one; its parser accepts every name.
class UserJsonTypes {
 public:
  static const UserJsonTypes& Get() {
    static const UserJsonTypes* const kTypes = new UserJsonTypes();
    return *kTypes;
  }

  // The twin of `type` in this pool, or nullptr for a message of another
  // package, which is then printed and read as it is.
  const Descriptor* Find(const Descriptor* type) const {
    if (type->file()->package() != "raa.v1") return nullptr;
    return pool_.FindMessageTypeByName(type->full_name());
  }

  std::unique_ptr<Message> New(const Descriptor* twin) const {
    return std::unique_ptr<Message>(factory_.GetPrototype(twin)->New());
  }

 private:
  UserJsonTypes() {
    // The files of the three services (registry, access, matching) and what
    // they import: every message `raa` prints.
    Add(v1::Child::descriptor()->file());
    Add(v1::ApiKey::descriptor()->file());
    Add(v1::MatchAlert::descriptor()->file());
  }

  void Add(const FileDescriptor* file) {
    if (!added_.insert(file->name()).second) return;
    for (int i = 0; i < file->dependency_count(); ++i) {
      Add(file->dependency(i));
    }
    FileDescriptorProto proto;
    file->CopyTo(&proto);
    if (file->package() == "raa.v1") {
      for (int i = 0; i < file->enum_type_count(); ++i) {
        AddOldSpellings(*file->enum_type(i), *proto.mutable_enum_type(i));
      }
      for (int i = 0; i < file->message_type_count(); ++i) {
        AddOldSpellings(*file->message_type(i), *proto.mutable_message_type(i));
      }
    }
    // The API's own files build: a failure here is a bug in this file.
    const FileDescriptor* built = pool_.BuildFile(proto);
    if (built == nullptr) {
      std::abort();
    }
  }

  static void AddOldSpellings(const Descriptor& type,
                              google::protobuf::DescriptorProto& proto) {
    for (int i = 0; i < type.enum_type_count(); ++i) {
      AddOldSpellings(*type.enum_type(i), *proto.mutable_enum_type(i));
    }
    for (int i = 0; i < type.nested_type_count(); ++i) {
      AddOldSpellings(*type.nested_type(i), *proto.mutable_nested_type(i));
    }
  }

  static void AddOldSpellings(const google::protobuf::EnumDescriptor& type,
                              EnumDescriptorProto& proto) {
    google::protobuf::RepeatedPtrField<
        google::protobuf::EnumValueDescriptorProto>
        values;
    bool renamed = false;
    for (int i = 0; i < type.value_count(); ++i) {
      const std::string old_name =
          LegacyEnumName(&type, type.value(i)->number());
      if (old_name != type.value(i)->name()) {
        auto* alias = values.Add();
        alias->set_name(old_name);
        alias->set_number(type.value(i)->number());
        renamed = true;
      }
      *values.Add() = proto.value(i);
    }
    if (!renamed) return;
    proto.mutable_value()->Swap(&values);
    proto.mutable_options()->set_allow_alias(true);
  }

  DescriptorPool pool_;
  mutable DynamicMessageFactory factory_{&pool_};
  absl::flat_hash_set<std::string> added_;
};

}  // namespace

std::string ToUserJson(const Message& message, JsonLayout layout) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = layout == JsonLayout::kIndented;
  options.preserve_proto_field_names = true;
  std::string out;
  const UserJsonTypes& types = UserJsonTypes::Get();
  const Descriptor* twin = types.Find(message.GetDescriptor());
  if (twin == nullptr) {
    (void)google::protobuf::util::MessageToJsonString(message, &out, options);
    return out;
  }
  std::unique_ptr<Message> copy = types.New(twin);
  copy->ParseFromString(message.SerializeAsString());
  (void)google::protobuf::util::MessageToJsonString(*copy, &out, options);
  return out;
}

absl::Status FromUserJson(absl::string_view json, Message& message) {
  const UserJsonTypes& types = UserJsonTypes::Get();
  const Descriptor* twin = types.Find(message.GetDescriptor());
  std::unique_ptr<Message> parsed = twin == nullptr ? nullptr : types.New(twin);
  Message& target = parsed == nullptr ? message : *parsed;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &target);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  if (parsed != nullptr &&
      !message.ParseFromString(parsed->SerializeAsString())) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read it as ", message.GetTypeName()));
  }
  return absl::OkStatus();
}

}  // namespace raa
