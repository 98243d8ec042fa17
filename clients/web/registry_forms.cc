#include "clients/web/registry_forms.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/lib/profile_text.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace raa::web {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Whether the column at `proto_path` holds one value for the whole record
// (no repeated field on its way).
bool SingleValued(const Descriptor* message, absl::string_view proto_path) {
  for (absl::string_view part : absl::StrSplit(proto_path, '.')) {
    if (message == nullptr) return false;
    const FieldDescriptor* field = message->FindFieldByName(std::string(part));
    if (field == nullptr || field->is_repeated()) return false;
    message = field->message_type();
  }
  return true;
}

// The field of a single-valued column, or nullptr.
const FieldDescriptor* SingleField(const RecordFields& fields,
                                   const RecordField& field) {
  const Descriptor* message = MessageOf(fields);
  if (!SingleValued(message, field.proto_path)) return nullptr;
  return FieldAt(message, field.proto_path);
}

}  // namespace

std::string FormLabelOf(absl::string_view column) {
  std::string label = absl::StrReplaceAll(column, {{"_", " "}});
  if (!label.empty()) label[0] = absl::ascii_toupper(label[0]);
  // The glossary's acronym.
  return absl::StrReplaceAll(label, {{"Shobpa", "SHOBPA"}});
}

FormInput InputOf(const RecordFields& fields, const RecordField& field) {
  const FieldDescriptor* f = SingleField(fields, field);
  if (f != nullptr && f->enum_type() != nullptr) return FormInput::kChoice;
  if (f != nullptr && f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
    return FormInput::kYesNo;
  }
  return field.column == "summary" ? FormInput::kTextArea : FormInput::kText;
}

std::string InputWidthOf(const RecordFields& fields, const RecordField& field) {
  const FieldDescriptor* f = SingleField(fields, field);
  if (f == nullptr) return "";
  if (f->message_type() != nullptr &&
      f->message_type()->full_name() == "google.type.Date") {
    return "govuk-input--width-10";
  }
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
    return "govuk-input--width-4";
  }
  return "";
}

std::string FormValueOf(const RecordFields& fields, const RecordField& field,
                        const std::string& text) {
  switch (InputOf(fields, field)) {
    case FormInput::kChoice: {
      const google::protobuf::EnumDescriptor* type =
          FieldAt(MessageOf(fields), field.proto_path)->enum_type();
      absl::StatusOr<int> value = ParseEnum(type, text);
      return value.ok() ? EnumLabel(type, *value) : "";
    }
    case FormInput::kYesNo: {
      std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
      return t == "true" || t == "yes" || t == "y" || t == "1" ? "true"
                                                               : "false";
    }
    case FormInput::kText:
    case FormInput::kTextArea:
      break;
  }
  return std::string(absl::StripAsciiWhitespace(text));
}

PlacedViolation PlaceViolation(const FieldViolation& violation,
                               const RecordFields& fields,
                               const std::vector<std::string>& extra_ids,
                               size_t group) {
  std::string whose;
  std::string id = ColumnOfField(violation.field, whose);
  if (id == "journey") id = "entered_care";
  bool known =
      fields.Find(id) != nullptr ||
      std::find(extra_ids.begin(), extra_ids.end(), id) != extra_ids.end();
  std::string text = violation.description;
  if (!whose.empty() && group > 1) text = absl::StrCat(whose, ": ", text);
  return {known ? id : "", text};
}

std::string UploadRowRequestId(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&out);
  }
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return absl::StrFormat("import-%016x-%d", hash, bytes.size());
}

absl::StatusOr<ImportFile> ReadUploadedFile(const std::string& filename,
                                            const std::string& content) {
  std::string lower = absl::AsciiStrToLower(filename);
  std::string extension;
  for (const char* e : {".csv", ".jsonl", ".json"}) {
    if (absl::EndsWith(lower, e)) extension = e;
  }
  if (extension.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(filename, ": use a .csv, .json or .jsonl file"));
  }
  const char* dir = std::getenv("TMPDIR");
  std::string path = absl::StrCat(dir != nullptr && *dir != '\0' ? dir : "/tmp",
                                  "/raa-web-upload-XXXXXX", extension);
  int fd = mkstemps(path.data(), static_cast<int>(extension.size()));
  if (fd < 0) return absl::InternalError("cannot make a temporary file");
  bool written = ::write(fd, content.data(), content.size()) ==
                 static_cast<ssize_t>(content.size());
  ::close(fd);
  absl::StatusOr<ImportFile> file =
      written ? ReadImportFile(path)
              : absl::InternalError("cannot write a temporary file");
  std::remove(path.c_str());
  if (!file.ok()) {
    return absl::Status(
        file.status().code(),
        absl::StrReplaceAll(file.status().message(), {{path, filename}}));
  }
  return file;
}

}  // namespace raa::web
