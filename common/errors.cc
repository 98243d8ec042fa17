#include "common/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/utf8.h"
#include "google/rpc/status.pb.h"

namespace raa {
namespace {

constexpr char kBadRequestUrl[] = "type.googleapis.com/google.rpc.BadRequest";

google::rpc::BadRequest ToProto(const std::vector<FieldViolation>& list) {
  google::rpc::BadRequest bad;
  for (const FieldViolation& v : list) {
    auto* fv = bad.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(v.description);
  }
  return bad;
}

// At most `max_bytes` bytes of `text`, cut on a character boundary, ending
// "…" when cut.
std::string CapBytes(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  constexpr absl::string_view kEllipsis = "\u2026";
  size_t end = max_bytes - kEllipsis.size();
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
  }
  return absl::StrCat(text.substr(0, end), kEllipsis);
}

// The violations that fit in kMaxStatusDetailsBytes, each field and
// description capped, then one counting those left out.
google::rpc::BadRequest CappedProto(const std::vector<FieldViolation>& list) {
  google::rpc::BadRequest bad;
  size_t bytes = 0;
  size_t kept = 0;
  for (const FieldViolation& v : list) {
    FieldViolation capped{CapBytes(v.field, 200), CapBytes(v.description, 400)};
    size_t size = capped.field.size() + capped.description.size() + 8;
    // Leave room for the count of those left out.
    if (bytes + size > kMaxStatusDetailsBytes - 100) break;
    bytes += size;
    auto* fv = bad.add_field_violations();
    fv->set_field(std::move(capped.field));
    fv->set_description(std::move(capped.description));
    ++kept;
  }
  if (kept < list.size()) {
    auto* fv = bad.add_field_violations();
    fv->set_field("");
    fv->set_description(absl::StrCat(list.size() - kept,
                                     " more problems are not listed; fix "
                                     "these and send the request again"));
  }
  return bad;
}

// `text` with each malformed byte as U+FFFD: a BadRequest holds proto3
// strings, which must be UTF-8, or the whole payload fails to parse and
// every violation is lost. Well-formed text is returned as it is.
std::string WellFormed(absl::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string out;
  for (size_t pos = 0; pos < text.size();) {
    AppendUtf8(DecodeUtf8(text, &pos), out);
  }
  return out;
}

}  // namespace

std::string Quoted(absl::string_view value) {
  return absl::StrCat("\"", Abbreviate(value, kMaxQuotedChars), "\"");
}

void FieldErrors::Add(absl::string_view field, absl::string_view description) {
  std::string full =
      prefix_.empty()
          ? std::string(field)
          : (field.empty() ? prefix_ : absl::StrCat(prefix_, ".", field));
  violations_.push_back({WellFormed(full), WellFormed(description)});
}

void FieldErrors::Merge(const FieldErrors& other) {
  for (const FieldViolation& v : other.violations_) Add(v.field, v.description);
}

void FieldErrors::AddAll(const absl::Status& status) {
  if (status.ok()) return;
  std::vector<FieldViolation> inner = ViolationsOf(status);
  if (inner.empty()) {
    Add("", status.message());
    return;
  }
  for (const FieldViolation& v : inner) Add(v.field, v.description);
}

absl::Status FieldErrors::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  std::string message = absl::StrJoin(
      violations_, "; ", [](std::string* out, const FieldViolation& v) {
        absl::StrAppend(out, v.field, ": ", v.description);
      });
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kBadRequestUrl,
                    absl::Cord(ToProto(violations_).SerializeAsString()));
  return status;
}

absl::Status InvalidField(absl::string_view field,
                          absl::string_view description) {
  FieldErrors errors;
  errors.Add(field, description);
  return errors.ToStatus();
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kBadRequestUrl);
  if (!payload.has_value()) return out;
  google::rpc::BadRequest bad;
  if (!bad.ParseFromString(std::string(*payload))) return out;
  for (const auto& fv : bad.field_violations()) {
    out.push_back({fv.field(), fv.description()});
  }
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message = CapBytes(status.message(), kMaxStatusMessageBytes);
  std::vector<FieldViolation> violations = ViolationsOf(status);
  if (violations.empty()) return grpc::Status(code, message);
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  details.add_details()->PackFrom(CappedProto(violations));
  return grpc::Status(code, message, details.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  absl::Status out(static_cast<absl::StatusCode>(status.error_code()),
                   status.error_message());
  google::rpc::Status details;
  if (!status.error_details().empty() &&
      details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::BadRequest bad;
      if (any.UnpackTo(&bad)) {
        out.SetPayload(kBadRequestUrl, absl::Cord(bad.SerializeAsString()));
      }
    }
  }
  return out;
}

}  // namespace raa
