#include "tests/support/status_matchers.h"

#include "common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace grpc {

void PrintTo(const Status& status, std::ostream* os) {
  *os << raa::test::DescribeStatus(status);
}

}  // namespace grpc

namespace raa::test {

std::vector<std::string> ViolationFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(status)) {
    fields.push_back(v.field);
  }
  return fields;
}

std::vector<std::string> ViolationFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (status.error_details().empty() ||
      !details.ParseFromString(status.error_details())) {
    return fields;
  }
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::BadRequest bad;
    if (!any.UnpackTo(&bad)) continue;
    for (const auto& violation : bad.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

}  // namespace raa::test
