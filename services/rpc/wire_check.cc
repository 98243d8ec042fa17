#include "services/rpc/wire_check.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/wire_format_lite.h"

namespace raa {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::internal::WireFormatLite;

// protobuf's default recursion limit: messages and groups nested deeper do
// not parse.
constexpr int kMaxDepth = 100;

enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

// The known field being read, linked to the field that encloses it. A path is
// built from the chain only when a violation is found.
struct PathStep {
  const PathStep* parent;
  const FieldDescriptor* field;
  int index;  // the element of a repeated field, or -1
};

std::string PathOf(const PathStep* step) {
  std::vector<const PathStep*> steps;
  for (; step != nullptr; step = step->parent) steps.push_back(step);
  std::string path;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (!path.empty()) path += ".";
    path += (*it)->field->name();
    if ((*it)->index >= 0) absl::StrAppend(&path, "[", (*it)->index, "]");
  }
  return path;
}

// True if protobuf parses `wire` into `field` rather than keeping it as an
// unknown field. Groups are never descended into: proto3 has none, and a
// proto2 group is checked as structurally as an unknown one.
bool Decodes(const FieldDescriptor& field, uint32_t wire) {
  if (field.type() == FieldDescriptor::TYPE_GROUP) return false;
  auto expected = static_cast<uint32_t>(WireFormatLite::WireTypeForFieldType(
      static_cast<WireFormatLite::FieldType>(field.type())));
  if (wire == expected) return true;
  return field.is_packable() && wire == kLengthDelimited;
}

// Only proto3 strings must be UTF-8; protobuf merely logs for proto2 ones.
bool MustBeUtf8(const FieldDescriptor& field) {
  return field.type() == FieldDescriptor::TYPE_STRING &&
         field.file()->syntax() == FileDescriptor::SYNTAX_PROTO3;
}

class WireWalker {
 public:
  explicit WireWalker(absl::string_view bytes)
      : begin_(bytes.data()),
        p_(bytes.data()),
        end_(bytes.data() + bytes.size()) {}

  // Reads the whole of `bytes` as one `type` message.
  bool Check(const Descriptor& type) { return Message(type, end_, nullptr, 0); }
  // After Check() returned false: the field's path ("" for the request as a
  // whole) and what is wrong with it.
  const std::string& field() const { return field_; }
  const std::string& problem() const { return problem_; }

 private:
  // Reads the fields of one `type` message up to `end`. On a violation,
  // records it and returns false.
  bool Message(const Descriptor& type, const char* end, const PathStep* at,
               int depth) {
    // Elements of each repeated field seen so far, for the path's index.
    absl::flat_hash_map<int, int> seen;
    while (p_ < end) {
      const char* start = p_;
      uint32_t tag = 0;
      if (!Tag(end, &tag)) return Garbled(type, at, start);
      int number = static_cast<int>(tag >> 3);
      uint32_t wire = tag & 7;
      if (number == 0 || wire == kEndGroup || wire > kFixed32) {
        return Garbled(type, at, start);
      }
      const FieldDescriptor* field = type.FindFieldByNumber(number);
      if (field == nullptr || !Decodes(*field, wire)) {
        if (!SkipUnknown(number, wire, end, depth)) {
          return Garbled(type, at, start);
        }
        continue;
      }
      // A packed list is many elements at once: its path has no index.
      bool one_element = field->is_repeated() &&
                         !(field->is_packable() && wire == kLengthDelimited);
      PathStep step{at, field, one_element ? seen[number]++ : -1};
      if (!Known(*field, wire, end, &step, depth)) return false;
    }
    return true;
  }

  bool Known(const FieldDescriptor& field, uint32_t wire, const char* end,
             const PathStep* step, int depth) {
    switch (wire) {
      case kVarint: {
        uint64_t ignored;
        return Varint(end, 10, &ignored) || Fail(step, "is cut short");
      }
      case kFixed64:
        return Skip(end, 8) || Fail(step, "is cut short");
      case kFixed32:
        return Skip(end, 4) || Fail(step, "is cut short");
      case kLengthDelimited:
        break;
      default:
        return Fail(step, "has the wrong wire type");  // not reached
    }
    const char* value_end = nullptr;
    if (!Length(end, &value_end)) {
      return Fail(step, "is cut short: its length runs past the message");
    }
    if (field.type() == FieldDescriptor::TYPE_MESSAGE) {
      if (depth + 1 > kMaxDepth) return Fail(step, "is nested too deeply");
      return Message(*field.message_type(), value_end, step, depth + 1);
    }
    if (MustBeUtf8(field)) {
      if (!google::protobuf::internal::IsStructurallyValidUTF8(
              p_, static_cast<int>(value_end - p_))) {
        return Fail(step, "is not valid UTF-8");
      }
    } else if (field.is_packable()) {
      if (!Packed(field, value_end)) {
        return Fail(step, "is not a valid packed list of " +
                              std::string(field.type_name()));
      }
    }
    p_ = value_end;
    return true;
  }

  // The values of a packed repeated scalar field, all of them complete.
  bool Packed(const FieldDescriptor& field, const char* value_end) {
    auto wire = static_cast<uint32_t>(WireFormatLite::WireTypeForFieldType(
        static_cast<WireFormatLite::FieldType>(field.type())));
    size_t size = value_end - p_;
    if (wire == kFixed32) return size % 4 == 0;
    if (wire == kFixed64) return size % 8 == 0;
    while (p_ < value_end) {
      uint64_t ignored;
      if (!Varint(value_end, 10, &ignored)) return false;
    }
    return true;
  }

  // An unknown field (or one of the wrong wire type), which protobuf keeps
  // as bytes but still reads to its end.
  bool SkipUnknown(int number, uint32_t wire, const char* end, int depth) {
    switch (wire) {
      case kVarint: {
        uint64_t ignored;
        return Varint(end, 10, &ignored);
      }
      case kFixed64:
        return Skip(end, 8);
      case kFixed32:
        return Skip(end, 4);
      case kLengthDelimited: {
        const char* value_end = nullptr;
        if (!Length(end, &value_end)) return false;
        p_ = value_end;
        return true;
      }
      case kStartGroup: {
        if (depth + 1 > kMaxDepth) return false;
        while (p_ < end) {
          uint32_t tag = 0;
          if (!Tag(end, &tag)) return false;
          int inner = static_cast<int>(tag >> 3);
          uint32_t inner_wire = tag & 7;
          if (inner == 0 || inner_wire > kFixed32) return false;
          if (inner_wire == kEndGroup) return inner == number;
          if (!SkipUnknown(inner, inner_wire, end, depth + 1)) return false;
        }
        return false;  // no end-group tag
      }
      default:
        return false;
    }
  }

  // A varint of at most `max_bytes` bytes, as protobuf reads it (tags up to
  // 5 bytes, kept modulo 2^32; values up to 10).
  bool Varint(const char* end, int max_bytes, uint64_t* value) {
    uint64_t result = 0;
    for (int i = 0; i < max_bytes && p_ < end; ++i) {
      auto byte = static_cast<uint8_t>(*p_++);
      result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        *value = result;
        return true;
      }
    }
    return false;
  }
  bool Tag(const char* end, uint32_t* tag) {
    uint64_t value = 0;
    if (!Varint(end, 5, &value)) return false;
    *tag = static_cast<uint32_t>(value);
    return *tag != 0;
  }
  // A length prefix (at most 5 bytes) and that many bytes before `end`.
  bool Length(const char* end, const char** value_end) {
    uint64_t length = 0;
    if (!Varint(end, 5, &length)) return false;
    if (length > static_cast<uint64_t>(end - p_)) return false;
    *value_end = p_ + length;
    return true;
  }
  bool Skip(const char* end, size_t n) {
    if (static_cast<size_t>(end - p_) < n) return false;
    p_ += n;
    return true;
  }

  bool Fail(const PathStep* at, std::string problem) {
    field_ = PathOf(at);
    problem_ = std::move(problem);
    return false;
  }
  // Bytes inside a message that are no field of it.
  bool Garbled(const Descriptor& type, const PathStep* at, const char* start) {
    return Fail(at, absl::StrCat("is not a well-formed ", type.full_name(),
                                 " (bad bytes at offset ", start - begin_,
                                 " of the request)"));
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string field_;
  std::string problem_;
};

}  // namespace

absl::Status CheckWireFormat(const Descriptor& type, absl::string_view bytes) {
  WireWalker walker(bytes);
  if (walker.Check(type)) return absl::OkStatus();
  if (!walker.field().empty()) {
    return InvalidField(walker.field(), walker.problem());
  }
  // The request as a whole: FieldErrors would print ": is not ...".
  absl::Status named = InvalidField("", walker.problem());
  absl::Status status = absl::InvalidArgumentError(
      absl::StrCat("the request ", walker.problem()));
  named.ForEachPayload(
      [&status](absl::string_view url, const absl::Cord& payload) {
        status.SetPayload(url, payload);
      });
  return status;
}

}  // namespace raa
