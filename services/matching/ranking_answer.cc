#include "services/matching/ranking_answer.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "common/check.h"
#include "google/protobuf/io/coded_stream.h"
#include "matcher/policy.h"
#include "matcher/reasons.h"

namespace raa {
namespace {

using google::protobuf::io::CodedOutputStream;

// The fields, by number: RankAdoptersResponse and RankChildrenResponse,
// RankedAdopter and RankedChild, ScoreComponent, Exclusion
// (protos/raa/v1/matching.proto). Every number is below 16, so every tag is
// one byte.
namespace response_field {
constexpr int kSubject = 1;  // child / adopter
constexpr int kPolicyVersion = 2;
constexpr int kConsidered = 3;
constexpr int kEligible = 4;
constexpr int kExcluded = 5;
constexpr int kExclusions = 6;
constexpr int kCandidates = 7;  // adopters / children
constexpr int kNextPageToken = 8;
constexpr int kFirstRank = 9;
}  // namespace response_field
namespace candidate_field {
constexpr int kName = 1;
constexpr int kScore = 2;
constexpr int kComponents = 3;
constexpr int kMembers = 4;
}  // namespace candidate_field
namespace component_field {
constexpr int kComponent = 1;
constexpr int kWeight = 2;
constexpr int kFitPermille = 3;
constexpr int kPointsTenths = 4;
constexpr int kReason = 5;
constexpr int kId = 6;
constexpr int kReasonCodes = 7;
constexpr int kReasonArgs = 8;
constexpr int kReasonTextArgs = 9;
}  // namespace component_field
namespace exclusion_field {
constexpr int kConstraint = 1;
constexpr int kCount = 2;
constexpr int kText = 3;
constexpr int kId = 4;
constexpr int kReasonCodes = 5;
constexpr int kReasonArgs = 6;
}  // namespace exclusion_field

constexpr uint8_t kVarint = 0;
constexpr uint8_t kLengthDelimited = 2;

constexpr uint8_t Tag(int field, uint8_t wire_type) {
  return static_cast<uint8_t>(field << 3) | wire_type;
}

// proto3 leaves out a singular field at its default (0, ""); a repeated
// message is always written, empty or not; a packed list only when it has
// an element. A negative int32 is ten bytes, sign-extended.
size_t Int32Size(int32_t value) {
  return value == 0 ? 0
                    : 1 + CodedOutputStream::VarintSize32SignExtended(value);
}
size_t Int64Size(int64_t value) {
  return value == 0 ? 0
                    : 1 + CodedOutputStream::VarintSize64(
                              static_cast<uint64_t>(value));
}
// A field of `length` bytes after its tag and length.
size_t DelimitedSize(size_t length) {
  return 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(length)) +
         length;
}
size_t StringSize(absl::string_view value) {
  return value.empty() ? 0 : DelimitedSize(value.size());
}
template <typename Ints>
size_t PackedBodySize(const Ints& values) {
  size_t size = 0;
  for (int32_t v : values) {
    size += CodedOutputStream::VarintSize32SignExtended(v);
  }
  return size;
}
template <typename Ints>
size_t PackedSize(const Ints& values) {
  return values.empty() ? 0 : DelimitedSize(PackedBodySize(values));
}

uint8_t* WriteInt32(int field, int32_t value, uint8_t* target) {
  if (value == 0) return target;
  *target++ = Tag(field, kVarint);
  return CodedOutputStream::WriteVarint32SignExtendedToArray(value, target);
}
uint8_t* WriteInt64(int field, int64_t value, uint8_t* target) {
  if (value == 0) return target;
  *target++ = Tag(field, kVarint);
  return CodedOutputStream::WriteVarint64ToArray(static_cast<uint64_t>(value),
                                                 target);
}
// A length-delimited field's tag and length; its `length` bytes follow.
uint8_t* WriteDelimited(int field, size_t length, uint8_t* target) {
  *target++ = Tag(field, kLengthDelimited);
  return CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(length),
                                                 target);
}
uint8_t* WriteBytes(int field, absl::string_view value, uint8_t* target) {
  target = WriteDelimited(field, value.size(), target);
  std::memcpy(target, value.data(), value.size());
  return target + value.size();
}
uint8_t* WriteString(int field, absl::string_view value, uint8_t* target) {
  return value.empty() ? target : WriteBytes(field, value, target);
}
template <typename Ints>
uint8_t* WritePacked(int field, const Ints& values, uint8_t* target) {
  if (values.empty()) return target;
  target = WriteDelimited(field, PackedBodySize(values), target);
  for (int32_t v : values) {
    target = CodedOutputStream::WriteVarint32SignExtendedToArray(v, target);
  }
  return target;
}

}  // namespace

void RankingAnswer::SetResult(matcher::RankResult result, size_t begin,
                              size_t end, bool explained, Words words) {
  sized_ = false;
  result_ = std::move(result);
  end_ = std::min(end, result_.candidates.size());
  begin_ = std::min(begin, end_);
  explained_ = explained;
  words_ = words;
}

absl::string_view RankingAnswer::name(size_t i) const {
  const uint32_t begin = i == 0 ? 0 : name_ends_[i - 1];
  return absl::string_view(names_).substr(begin, name_ends_[i] - begin);
}

void RankingAnswer::Clear() { *this = RankingAnswer(); }

size_t RankingAnswer::WordsSize(absl::string_view key,
                                const matcher::CodedReason& coded) const {
  const size_t text_begin = texts_.size();
  matcher::AppendReasonText(texts_, coded);
  text_ends_.push_back(static_cast<uint32_t>(texts_.size()));
  return StringSize(key) +
         StringSize(absl::string_view(texts_).substr(text_begin));
}

size_t RankingAnswer::ExclusionSize(const matcher::ExclusionLine& line) const {
  size_t size = Int32Size(line.count) +
                Int32Size(ConstraintIdOf(line.constraint)) +
                PackedSize(line.coded.codes) + PackedSize(line.coded.args);
  if (words_ == Words::kWithWords) {
    size += WordsSize(matcher::ConstraintId(line.constraint), line.coded);
  }
  return size;
}

size_t RankingAnswer::ComponentSize(
    const matcher::ComponentScore& score) const {
  size_t size = Int32Size(score.weight) + Int32Size(score.fit_permille) +
                Int32Size(score.points_tenths) +
                Int32Size(ScoreComponentIdOf(score.component)) +
                PackedSize(score.coded.codes) + PackedSize(score.coded.args);
  for (const std::string& text : score.coded.text_args) {
    size += DelimitedSize(text.size());
  }
  if (words_ == Words::kWithWords) {
    size += WordsSize(matcher::ComponentId(score.component), score.coded);
  }
  return size;
}

size_t RankingAnswer::ByteSizeLong() const {
  sized_ = true;
  sizes_.clear();
  texts_.clear();
  text_ends_.clear();
  size_t size = StringSize(subject_) + Int64Size(result_.policy_version) +
                Int32Size(result_.considered) + Int32Size(result_.eligible) +
                Int32Size(result_.excluded_total) +
                StringSize(next_page_token_) + Int32Size(first_rank_);
  for (const matcher::ExclusionLine& line : result_.exclusions) {
    const size_t line_size = ExclusionSize(line);
    sizes_.push_back(static_cast<uint32_t>(line_size));
    size += DelimitedSize(line_size);
  }
  size_t i = 0;
  for (const matcher::RankedCandidate& c : page()) {
    const size_t candidate_at = sizes_.size();
    sizes_.push_back(0);
    size_t candidate_size = StringSize(i < name_count() ? name(i) : "") +
                            Int32Size(c.score) + PackedSize(c.members);
    if (explained_) {
      for (const matcher::ComponentScore& s : c.components) {
        const size_t component_size = ComponentSize(s);
        sizes_.push_back(static_cast<uint32_t>(component_size));
        candidate_size += DelimitedSize(component_size);
      }
    }
    sizes_[candidate_at] = static_cast<uint32_t>(candidate_size);
    size += DelimitedSize(candidate_size);
    ++i;
  }
  return size;
}

absl::string_view RankingAnswer::NextText() const {
  const uint32_t begin = next_text_ == 0 ? 0 : text_ends_[next_text_ - 1];
  const uint32_t end = text_ends_[next_text_++];
  return absl::string_view(texts_).substr(begin, end - begin);
}

uint8_t* RankingAnswer::WriteExclusion(const matcher::ExclusionLine& line,
                                       uint8_t* target) const {
  namespace f = exclusion_field;
  absl::string_view text;
  if (words_ == Words::kWithWords) {
    text = NextText();
    target = WriteString(f::kConstraint, matcher::ConstraintId(line.constraint),
                         target);
  }
  target = WriteInt32(f::kCount, line.count, target);
  target = WriteString(f::kText, text, target);
  target = WriteInt32(f::kId, ConstraintIdOf(line.constraint), target);
  target = WritePacked(f::kReasonCodes, line.coded.codes, target);
  return WritePacked(f::kReasonArgs, line.coded.args, target);
}

uint8_t* RankingAnswer::WriteComponent(const matcher::ComponentScore& score,
                                       uint8_t* target) const {
  namespace f = component_field;
  absl::string_view reason;
  if (words_ == Words::kWithWords) {
    reason = NextText();
    target = WriteString(f::kComponent, matcher::ComponentId(score.component),
                         target);
  }
  target = WriteInt32(f::kWeight, score.weight, target);
  target = WriteInt32(f::kFitPermille, score.fit_permille, target);
  target = WriteInt32(f::kPointsTenths, score.points_tenths, target);
  target = WriteString(f::kReason, reason, target);
  target = WriteInt32(f::kId, ScoreComponentIdOf(score.component), target);
  target = WritePacked(f::kReasonCodes, score.coded.codes, target);
  target = WritePacked(f::kReasonArgs, score.coded.args, target);
  for (const std::string& text : score.coded.text_args) {
    target = WriteBytes(f::kReasonTextArgs, text, target);
  }
  return target;
}

uint8_t* RankingAnswer::SerializeWithCachedSizesToArray(uint8_t* target) const {
  namespace f = response_field;
  RAA_CHECK(sized_) << "RankingAnswer: ByteSizeLong() after the last change "
                       "must come before SerializeWithCachedSizesToArray()";
  next_size_ = 0;
  next_text_ = 0;
  target = WriteString(f::kSubject, subject_, target);
  target = WriteInt64(f::kPolicyVersion, result_.policy_version, target);
  target = WriteInt32(f::kConsidered, result_.considered, target);
  target = WriteInt32(f::kEligible, result_.eligible, target);
  target = WriteInt32(f::kExcluded, result_.excluded_total, target);
  for (const matcher::ExclusionLine& line : result_.exclusions) {
    target = WriteDelimited(f::kExclusions, sizes_[next_size_++], target);
    target = WriteExclusion(line, target);
  }
  size_t i = 0;
  for (const matcher::RankedCandidate& c : page()) {
    namespace cf = candidate_field;
    target = WriteDelimited(f::kCandidates, sizes_[next_size_++], target);
    target = WriteString(cf::kName, i < name_count() ? name(i) : "", target);
    target = WriteInt32(cf::kScore, c.score, target);
    if (explained_) {
      for (const matcher::ComponentScore& s : c.components) {
        target = WriteDelimited(cf::kComponents, sizes_[next_size_++], target);
        target = WriteComponent(s, target);
      }
    }
    target = WritePacked(cf::kMembers, c.members, target);
    ++i;
  }
  target = WriteString(f::kNextPageToken, next_page_token_, target);
  return WriteInt32(f::kFirstRank, first_rank_, target);
}

std::string RankingAnswer::SerializeAsString() const {
  std::string bytes(ByteSizeLong(), '\0');
  SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(bytes.data()));
  return bytes;
}

bool RankingAnswer::ParseInto(google::protobuf::MessageLite& message) const {
  return message.ParseFromString(SerializeAsString());
}

void AppendRecordNames(const RankingAnswer& answer, AuditRecords& out) {
  size_t chars = answer.subject().size();
  for (size_t i = 0; i < answer.name_count(); ++i) {
    chars += answer.name(i).size();
  }
  out.reserve(answer.name_count() + 1, chars);
  if (!answer.subject().empty()) out.push_back(answer.subject());
  for (size_t i = 0; i < answer.name_count(); ++i) {
    out.push_back(answer.name(i));
  }
}

}  // namespace raa
