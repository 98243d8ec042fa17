// Files a registrar uploads (raa import, the console's upload form), read
// before anything is sent: a mistake is named in the registrar's words, and
// a file built to hurt the reader is refused before it is parsed.
#include "clients/lib/import_file.h"

#include <fstream>
#include <string>
#include <vector>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace raa {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// `content` written to a file named `name` in the test's temporary folder.
std::string FileOf(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return path;
}

TEST(ImportFileTest, AJsonArrayNestedTooDeepIsRefusedSayingHowDeep) {
  absl::StatusOr<ImportFile> deep = ReadImportFile(
      FileOf("deep.json", std::string(65, '[') + std::string(65, ']')));
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(deep.status().message(),
              HasSubstr("is not a JSON array of profiles: it nests deeper "
                        "than 64 levels (line 1)"));
  // Brackets inside a string are text, not nesting.
  absl::StatusOr<ImportFile> text = ReadImportFile(FileOf(
      "text.json", "[{\"summary\": \"" + std::string(100, '[') + "\"}]"));
  ASSERT_TRUE(text.ok()) << text.status();
  ASSERT_EQ(text->rows.size(), 1u);
  EXPECT_EQ(text->rows[0].line, 1);
  // 64 levels are read.
  absl::StatusOr<ImportFile> deepest = ReadImportFile(
      FileOf("deepest.json", std::string(64, '[') + std::string(64, ']')));
  EXPECT_TRUE(deepest.ok()) << deepest.status();
}

TEST(ImportFileTest, AMisplacedQuoteInACsvIsNamedInPlainWords) {
  absl::StatusOr<ImportFile> file = ReadImportFile(
      FileOf("quotes.csv", "summary,age_months\n\"fine\",12\nbad \"x\",3\n"));
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(file.status().message(),
              HasSubstr("line 3: a quote out of place"));
  EXPECT_THAT(file.status().message(), Not(HasSubstr("strict")));
}

// A header saved in another encoding (Latin-1, UTF-16) is named as such,
// with every other problem of the header: the violations travel as a
// BadRequest, whose strings must be UTF-8, so the bytes are shown as U+FFFD.
TEST(ImportFileTest, AHeaderThatIsNotUtf8IsNamedWithEveryOtherProblem) {
  const std::vector<std::string> columns = {"summary", "age_months"};
  const std::vector<std::string> required = {"age_months"};
  absl::Status header =
      CheckHeader({"summary\xff", "colour"}, columns, required);
  ASSERT_EQ(header.code(), absl::StatusCode::kInvalidArgument);
  std::vector<FieldViolation> violations = ViolationsOf(header);
  ASSERT_EQ(violations.size(), 3u) << header;
  EXPECT_EQ(violations[0].field, "column 1 \"summary\uFFFD\"");
  EXPECT_THAT(violations[0].description, HasSubstr("is not UTF-8 text"));
  EXPECT_EQ(violations[1].field, "column 2 \"colour\"");
  EXPECT_EQ(violations[2].field, "age_months");
  EXPECT_THAT(violations[2].description, HasSubstr("is required"));

  // UTF-16 (NULs between the letters): the file's one problem, said once.
  using std::string_literals::operator""s;
  header =
      CheckHeader({"\xff\xfes\0u\0m\0"s, "\0a\0g\0e\0"s}, columns, required);
  violations = ViolationsOf(header);
  ASSERT_EQ(violations.size(), 1u) << header;
  EXPECT_EQ(violations[0].field, "column 1");
  EXPECT_THAT(violations[0].description, HasSubstr("is not UTF-8 text"));
}

}  // namespace
}  // namespace raa
