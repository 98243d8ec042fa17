// Pure helpers of the registrar's pages (registrar_pages.cc): how a record's
// columns (common/record_fields.h) become form fields, where an API
// violation goes on the form, and how an uploaded file is read. No HTTP, no
// templates, no calls; tested in web_pure_test.cc.
//
//   const RecordField& f = *ChildFields().Find("contact_plan");
//   InputOf(ChildFields(), f);  // FormInput::kChoice: a select
//   PlaceViolation({"child.members[1].age_months", "is outside 0-216"},
//                  ChildFields(), {}, /*group=*/2);
//   // {.field_id = "age_months", .text = "child 2: is outside 0-216"}
//
// Thread-safe: no state.
#ifndef RAAMATCH_CLIENTS_WEB_REGISTRY_FORMS_H_
#define RAAMATCH_CLIENTS_WEB_REGISTRY_FORMS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/lib/import_file.h"
#include "common/errors.h"
#include "common/record_fields.h"
#include "google/protobuf/message.h"

namespace raa::web {

// "age_months" -> "Age months", "shobpa_decision" -> "SHOBPA decision": a
// column as a form label.
std::string FormLabelOf(absl::string_view column);

// How a column is typed in a form.
enum class FormInput {
  kText,      // a text field: numbers, dates, lists with ';', free text
  kTextArea,  // the summary
  kChoice,    // one value of an enum for the whole record: a select
  kYesNo,     // one yes/no for the whole record: a select
};
FormInput InputOf(const RecordFields& fields, const RecordField& field);

// The GOV.UK width class of a text field: "govuk-input--width-10" for a
// date, "govuk-input--width-4" for a single number, "" (full width) else.
std::string InputWidthOf(const RecordFields& fields, const RecordField& field);

// The value a form's field holds for a column's `text` (as ChildToText or
// AdopterToText give it, or as posted): a choice's label ("letterbox" for
// "Letterbox contact"; "" for an unset or unknown one), "true" or "false"
// for a yes/no, else the text without surrounding spaces. A change form
// compares these, so a field left as shown is not a change.
std::string FormValueOf(const RecordFields& fields, const RecordField& field,
                        const std::string& text);

// Where one violation of a register or change form goes.
struct PlacedViolation {
  // The form field's id: the column the API's path names, as `raa import`
  // names it (ColumnOfField: "child.members[1].sex" -> "sex";
  // "child.journey" -> "entered_care"), or one of `extra_ids`; "" when no
  // field matches (the error summary then links to the first field).
  std::string field_id;
  // The API's words, after "child 2: " when the path names one child of a
  // group of more than one (`group`).
  std::string text;
};
PlacedViolation PlaceViolation(const FieldViolation& violation,
                               const RecordFields& fields,
                               const std::vector<std::string>& extra_ids,
                               size_t group);

// A stable request id for one row of an upload (a CreateChildRequest or
// CreateAdopterRequest without its id): FNV-1a over its deterministic
// serialization, in the format `raa import` uses
// (clients/raa/import_commands.cc), so a row sent again, from here or by
// `raa import`, is found, not stored twice.
std::string UploadRowRequestId(const google::protobuf::Message& request);

// Reads an uploaded file as `raa import` reads one (ReadImportFile, which
// takes a path and picks the format by the extension of `filename`: .csv,
// .json, .jsonl): written to a private temporary file, read, removed.
// INVALID_ARGUMENT for another extension or a file that cannot be read,
// naming `filename` (never the temporary file).
absl::StatusOr<ImportFile> ReadUploadedFile(const std::string& filename,
                                            const std::string& content);

}  // namespace raa::web

#endif  // RAAMATCH_CLIENTS_WEB_REGISTRY_FORMS_H_
