// Files a registrar uploads (raa import, the console's upload form), read
// before anything is sent: a mistake is named in the registrar's words, and
// a file built to hurt the reader is refused before it is parsed.
#include "clients/lib/import_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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

TEST(ImportFileTest, EachElementOfAJsonArrayKeepsItsPlaceAndItsLine) {
  // A number where a profile should be is an element too: the profiles
  // after it keep their own lines (they took the next one's).
  absl::StatusOr<ImportFile> file = ReadImportFile(FileOf(
      "mixed.json",
      "[\n  7,\n  {\"summary\": \"a, [b]\"},\n  \"text\" , {\n\"x\": {}},\n  "
      "{}\n]\n"));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->rows.size(), 5u);
  std::vector<std::pair<int, int>> places;
  for (const ImportRow& row : file->rows) {
    places.push_back({row.element, row.line});
  }
  EXPECT_EQ(places, (std::vector<std::pair<int, int>>{
                        {1, 2}, {2, 3}, {3, 4}, {4, 4}, {5, 6}}));
  // Each element is handed on as its own text, as written (the array is
  // checked whole but never built).
  EXPECT_EQ(file->rows[0].json, "7");
  EXPECT_EQ(file->rows[1].json, "{\"summary\": \"a, [b]\"}");
  EXPECT_EQ(file->rows[3].json, "{\n\"x\": {}}");
  // Not JSON after all (a comma missing at the end): refused whole.
  EXPECT_FALSE(ReadImportFile(FileOf("broken.json", "[{}, {}\n{}]")).ok());
  EXPECT_FALSE(ReadImportFile(FileOf("object.json", "{\"a\": [1]}")).ok());
  // On one line, the place tells the rows apart; a .jsonl row has none.
  absl::StatusOr<ImportFile> one_line =
      ReadImportFile(FileOf("one.json", "[{}, {}, {}]"));
  ASSERT_TRUE(one_line.ok()) << one_line.status();
  ASSERT_EQ(one_line->rows.size(), 3u);
  EXPECT_EQ(one_line->rows[2].element, 3);
  EXPECT_EQ(one_line->rows[2].line, 1);
  absl::StatusOr<ImportFile> lines =
      ReadImportFile(FileOf("rows.jsonl", "{}\n\n{}\n"));
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->rows.size(), 2u);
  EXPECT_EQ(lines->rows[1].line, 3);
  EXPECT_EQ(lines->rows[1].element, 0);
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

// raa import reads a file a batch at a time: the rows come out as a whole
// reading gives them (lines, cells, problems), however small the batches,
// and a file that cannot be read as a whole is refused at Open, before any
// row is given out.
TEST(ImportFileTest, RowsReadABatchAtATimeAreTheRowsOfTheWholeFile) {
  const std::string csv =
      FileOf("batches.csv",
             "\xEF\xBB\xBFsummary,age_months\r\n"
             "\"two\nlines\",12\r\n"
             ",\n"              // a row of empty cells: not a row
             "\n"               // a blank line
             "one,2,,\n"        // empty cells after the last column
             "short\n"          // a cell too few
             "a,1\rb,2\rc,3\n"  // three rows on one line (old Mac endings)
             "last,9");         // no newline at the end
  absl::StatusOr<ImportFile> whole = ReadImportFile(csv);
  ASSERT_TRUE(whole.ok()) << whole.status();
  ASSERT_EQ(whole->rows.size(), 7u);
  EXPECT_EQ(whole->header, (std::vector<std::string>{"summary", "age_months"}));
  for (size_t batch : {1, 2, 4, 500}) {
    SCOPED_TRACE(batch);
    absl::StatusOr<std::unique_ptr<ImportReader>> reader =
        ImportReader::Open(csv);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ((*reader)->header(), whole->header);
    EXPECT_EQ((*reader)->row_count(), 7u);
    std::vector<ImportRow> rows, all;
    for (;;) {
      ASSERT_TRUE((*reader)->Next(batch, rows).ok());
      ASSERT_LE(rows.size(), batch);
      if (rows.empty()) break;
      for (ImportRow& row : rows) all.push_back(std::move(row));
    }
    ASSERT_EQ(all.size(), whole->rows.size());
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(all[i].line, whole->rows[i].line) << i;
      EXPECT_EQ(all[i].fields, whole->rows[i].fields) << i;
      EXPECT_EQ(all[i].problem, whole->rows[i].problem) << i;
    }
  }
  std::vector<int> lines;
  for (const ImportRow& row : whole->rows) lines.push_back(row.line);
  EXPECT_EQ(lines, (std::vector<int>{2, 6, 7, 8, 8, 8, 9}));
  EXPECT_EQ(whole->rows[0].fields.at("summary"), "two\nlines");
  EXPECT_THAT(whole->rows[2].problem, HasSubstr("has 1 cell"));
  EXPECT_EQ(whole->rows[4].fields.at("summary"), "b");
  EXPECT_EQ(whole->rows[6].fields.at("age_months"), "9");

  // A quote out of place on the last line: refused before a row is given.
  std::string rows = "summary,age_months\n";
  for (int i = 0; i < 5000; ++i) absl::StrAppend(&rows, "fine,", i, "\n");
  absl::StatusOr<std::unique_ptr<ImportReader>> late =
      ImportReader::Open(FileOf("late.csv", rows + "bad \"x\",3\n"));
  ASSERT_FALSE(late.ok());
  EXPECT_THAT(late.status().message(),
              HasSubstr("line 5002: a quote out of place"));

  // JSON Lines and a JSON array, in batches of two.
  for (const auto& [name, content] :
       std::vector<std::pair<std::string, std::string>>{
           {"five.jsonl", "{}\n\n{}\n{}\n{}\n\n{}\n"},
           {"five.json", "[{}, {},\n{}, {}, {}]"}}) {
    SCOPED_TRACE(name);
    absl::StatusOr<std::unique_ptr<ImportReader>> reader =
        ImportReader::Open(FileOf(name, content));
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ((*reader)->row_count(), 5u);
    std::vector<size_t> sizes;
    std::vector<ImportRow> batch;
    for (;;) {
      ASSERT_TRUE((*reader)->Next(2, batch).ok());
      if (batch.empty()) break;
      sizes.push_back(batch.size());
      for (const ImportRow& row : batch) EXPECT_EQ(row.json, "{}");
    }
    EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
  }
}

// raa import reads a file twice (through, then a batch at a time while it
// sends): a file that changes in between is not read half old and half new,
// and a pipe, which cannot be read twice, is refused at once.
TEST(ImportFileTest, AFileThatChangesWhileItIsReadStopsTheReading) {
  const std::string path = FileOf("growing.csv", "summary\na\nb\nc\n");
  absl::StatusOr<std::unique_ptr<ImportReader>> reader =
      ImportReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::vector<ImportRow> rows;
  ASSERT_TRUE((*reader)->Next(1, rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  {
    std::ofstream out(path, std::ios::app);
    out << "added\n";
  }
  absl::Status next = (*reader)->Next(1, rows);
  EXPECT_EQ(next.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(next.message(), HasSubstr("changed while it was read (it had 3 "
                                        "rows at first)"));
  EXPECT_TRUE(rows.empty());

  // Cut short: the rows still to come are not given out.
  const std::string cut = FileOf("cut.csv", "summary\na\nb\nc\n");
  reader = ImportReader::Open(cut);
  ASSERT_TRUE(reader.ok()) << reader.status();
  FileOf("cut.csv", "summary\na\n");
  EXPECT_FALSE((*reader)->Next(10, rows).ok());
  EXPECT_TRUE(rows.empty());

  const std::string fifo = ::testing::TempDir() + "/pipe.csv";
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  absl::StatusOr<std::unique_ptr<ImportReader>> pipe = ImportReader::Open(fifo);
  ASSERT_FALSE(pipe.ok());
  EXPECT_THAT(pipe.status().message(), HasSubstr("is not a file"));
  unlink(fifo.c_str());
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
