// The fields of the registry's two record types — a child profile and an
// adopter household — written once, with every name each field goes by
// outside its message:
//   - column: the name in text. It is the bulk-import file's column header,
//     the CLI's flag (`--age-months` for "age_months"), and the key of the
//     client's text form (clients/lib/profile_text.h);
//   - proto_path: where the value lives in the message (raa.v1.Child or
//     raa.v1.Adopter), dotted; a repeated message's path means every
//     element's ("members.age_months");
//   - mask_path: the top-level field an update of the column names in its
//     update_mask ("members" for every per-child column, "journey" for the
//     journey's dates);
//   - header: the column's header in the CLI's tables (`raa child list`);
//   - help: what it holds, for --help and import guides; an enum column's
//     allowed values follow the text, taken from the enum at `choices`;
//   - required: a new record must give it (a create without it is refused
//     by the client before anything is sent).
//
// Usage:
//   const RecordFields& fields = ChildFields();
//   for (const RecordField& f : fields.fields()) flags.Add(f.column, f.help);
//   fields.Find("entered_care")->mask_path;  // "journey"
//   fields.IsUpdatable("status");             // true: `--status`
//
// Pure data: no protobuf and no server code, so that the clients, the
// server's mask checks and the store can share it. The tables are constant
// and immutable; every function is thread-safe.
#ifndef RAAMATCH_COMMON_RECORD_FIELDS_H_
#define RAAMATCH_COMMON_RECORD_FIELDS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace raa {

// One field of a record, by every name it goes by (see above).
struct RecordField {
  absl::string_view column;
  absl::string_view proto_path;
  absl::string_view mask_path;
  absl::string_view header;
  absl::string_view help;
  // The proto_path (from the record) of the enum whose values the column
  // takes, for help; "" when it takes free text, numbers or dates.
  absl::string_view choices = "";
  bool required = false;
};

// A record type's fields, in the order its columns are listed (help, import
// templates, "the columns are: …").
class RecordFields {
 public:
  constexpr RecordFields(absl::string_view record,
                         absl::Span<const RecordField> fields,
                         absl::Span<const absl::string_view> other_updatable)
      : record_(record), fields_(fields), other_updatable_(other_updatable) {}

  // "child" or "adopter": the message's field in create and update requests.
  absl::string_view record() const { return record_; }
  absl::Span<const RecordField> fields() const { return fields_; }

  // The field with this column name, or nullptr.
  const RecordField* Find(absl::string_view column) const;

  // Every column name, in order.
  std::vector<std::string> Columns() const;
  // The columns a new record must have, in order.
  std::vector<std::string> RequiredColumns() const;

  // Whether an update may name `mask_path` (a top-level field of the
  // message): the mask path of a column, or one of the fields an update
  // changes other than through a column (the child's status).
  bool IsUpdatable(absl::string_view mask_path) const;
  // Every path IsUpdatable() accepts, each once, in order.
  std::vector<std::string> UpdatablePaths() const;

 private:
  absl::string_view record_;
  absl::Span<const RecordField> fields_;
  absl::Span<const absl::string_view> other_updatable_;
};

// raa.v1.Child: a child, or a sibling group to be placed together.
const RecordFields& ChildFields();
// raa.v1.Adopter: an adopter household.
const RecordFields& AdopterFields();

}  // namespace raa

#endif  // RAAMATCH_COMMON_RECORD_FIELDS_H_
