// The personal-data scan's cost per character (issue 6: the old std::regex
// scan took 2-15 s on 10,000-20,000 characters and crashed on 16,000
// digits).
//
//   build/bench/free_text_bench            # every text, table on stdout
//
// For each text it measures, in the same run and on the same bytes:
//   - baseline: CountCharacters, one pass decoding UTF-8 (what the length
//     check costs; the floor for anything that reads every character);
//   - normalise: NormalizeForScan (NFKC and zero-width removal);
//   - scan: ScanForPersonalIdentifier (normalise, tokenize, every detector);
// each the median of 7 rounds of at least 50 ms. It prints ns per
// character and the scan's ratio to the baseline. Exits 1 if any text's
// verdict is not the expected one (the bench measures the real path).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/personal_data.h"
#include "common/utf8.h"

namespace {

struct Text {
  std::string name;
  std::string text;
  bool identifier;  // the scan's expected verdict
};

std::string Repeat(const std::string& piece, size_t chars) {
  std::string out;
  while (out.size() < chars) out += piece;
  out.resize(chars);
  return out;
}

// ns per character of `fn(text)`: the median of 7 rounds, each repeating
// the call until it has run for at least 50 ms.
template <typename Fn>
double NsPerChar(const std::string& text, size_t chars, Fn fn) {
  std::vector<double> rounds;
  volatile size_t sink = 0;
  for (int r = 0; r < 7; ++r) {
    int64_t calls = 0;
    absl::Time start = absl::Now();
    absl::Duration elapsed;
    do {
      sink = sink + fn(text);
      ++calls;
      elapsed = absl::Now() - start;
    } while (elapsed < absl::Milliseconds(50));
    rounds.push_back(absl::ToDoubleNanoseconds(elapsed) /
                     static_cast<double>(calls) / static_cast<double>(chars));
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

}  // namespace

int main() {
  const std::string typical =
      "Sam is 7 and loves football, Lego and swimming. He has lived with the "
      "same foster carers since March 2024 and is in Year 3 at a mainstream "
      "school, where attendance is 96%. He has moderate learning needs and "
      "sees a speech therapist every 2 weeks. Letterbox contact with his "
      "birth mother twice a year; about 2/3 of sessions go well. Needs a "
      "family within 45 minutes of his school, ideally with no other "
      "children under 5. ";
  std::vector<Text> texts = {
      {"typical summary (~450 chars)", typical, false},
      {"summary at the limit (1000 chars)", Repeat(typical, 1000), false},
      {"typical + phone at the end", typical + "Call 0114 273 4567.", true},
      {"accented text (1000 chars)", Repeat("Café crème, déjà vu. ", 1000),
       false},
      {"10,000 digits", std::string(10'000, '7'), false},
      {"1,000,000 digits", std::string(1'000'000, '7'), false},
      {"1,000,000 letters", std::string(1'000'000, 'a'), false},
      {"1,000,000 chars of \"1 \"", Repeat("1 ", 1'000'000), false},
      {"1,000,000 chars of \"0 \"", Repeat("0 ", 1'000'000), false},
      {"1,000,000 chars of \"123 \"", Repeat("123 ", 1'000'000), false},
      {"1,000,000 chars of \"1/2/\"", Repeat("1/2/", 1'000'000), false},
      {"1,000,000 chars of \"a@\"", Repeat("a@", 1'000'000), false},
      {"1,000,000 chars of \"S1 \"", Repeat("S1 ", 1'000'000), false},
      {"1,000,000 chars of prose", Repeat(typical, 1'000'000), false},
  };
  std::printf("%-34s %10s %10s %10s %10s  %s\n", "text", "chars", "base ns/ch",
              "norm ns/ch", "scan ns/ch", "scan/base");
  bool all_right = true;
  for (const Text& t : texts) {
    const size_t chars = raa::CountCharacters(t.text);
    const bool found = raa::ScanForPersonalIdentifier(t.text).has_value();
    if (found != t.identifier) {
      std::fprintf(stderr, "%s: expected %s, got %s\n", t.name.c_str(),
                   t.identifier ? "an identifier" : "clean",
                   found ? "an identifier" : "clean");
      all_right = false;
    }
    double base = NsPerChar(t.text, chars, [](const std::string& s) {
      return raa::CountCharacters(s);
    });
    double norm = NsPerChar(t.text, chars, [](const std::string& s) {
      return raa::NormalizeForScan(s).size();
    });
    double scan = NsPerChar(t.text, chars, [](const std::string& s) {
      return static_cast<size_t>(raa::ScanForPersonalIdentifier(s).has_value());
    });
    std::printf("%-34s %10zu %10.2f %10.2f %10.2f  %8.1fx\n", t.name.c_str(),
                chars, base, norm, scan, scan / base);
  }
  return all_right ? 0 : 1;
}
