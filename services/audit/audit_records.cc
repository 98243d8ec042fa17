#include "services/audit/audit_records.h"

#include <string>
#include <vector>

#include "common/names.h"
#include "google/protobuf/descriptor.h"

namespace raa {
namespace {

using google::protobuf::FieldDescriptor;

bool IsRecordField(const FieldDescriptor& f) {
  return f.cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
         (f.name() == "name" || f.name() == "child" || f.name() == "adopter" ||
          f.name() == "record");
}

}  // namespace

void AppendRecordNames(const google::protobuf::Message& message,
                       AuditRecords& out) {
  const google::protobuf::Descriptor* d = message.GetDescriptor();
  const google::protobuf::Reflection* r = message.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (IsRecordField(*f)) {
      if (f->is_repeated()) {
        for (int j = 0; j < r->FieldSize(message, f); ++j) {
          out.push_back(r->GetRepeatedString(message, f, j));
        }
      } else if (std::string v = r->GetString(message, f); !v.empty()) {
        out.push_back(v);
      }
      continue;
    }
    // Only the API's own messages hold records (not times or dates).
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        f->message_type()->file()->package() != "raa.v1") {
      continue;
    }
    if (f->is_repeated()) {
      for (int j = 0; j < r->FieldSize(message, f); ++j) {
        AppendRecordNames(r->GetRepeatedMessage(message, f, j), out);
      }
    } else if (r->HasField(message, f)) {
      AppendRecordNames(r->GetMessage(message, f), out);
    }
  }
}

std::vector<std::string> RequestedRecords(
    const MethodRule& rule, const google::protobuf::Message& request,
    bool wildcards) {
  std::vector<std::string> names = NamedRecords(rule, request);
  std::erase_if(names, [wildcards](const std::string& name) {
    return name.empty() || (!wildcards && AuthorityOf(name) == "-");
  });
  return names;
}

void AppendRecordNames(const v1::MatchAlert& alert, AuditRecords& out) {
  out.push_back(alert.child());
  out.push_back(alert.adopter());
}

}  // namespace raa
