#include "common/reason_text.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace raa {
namespace {

absl::Status Malformed(const ReasonPhraseText& phrase, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "reason phrase ", phrase.code, " (\"", phrase.text, "\"): ", why));
}

}  // namespace

absl::StatusOr<ReasonFormatter> ReasonFormatter::Create(
    std::vector<ReasonPhraseText> phrases,
    std::vector<ReasonTableText> tables) {
  ReasonFormatter f;
  absl::flat_hash_map<std::string, int> table_index;
  for (size_t i = 0; i < tables.size(); ++i) {
    table_index[tables[i].name] = static_cast<int>(i);
  }
  for (const ReasonPhraseText& phrase : phrases) {
    if (phrase.arity < 0 || phrase.text_arity < 0) {
      return Malformed(phrase, "negative arity");
    }
    Compiled c{phrase.arity, phrase.text_arity, phrase.continues, {}};
    absl::string_view rest = phrase.text;
    while (!rest.empty()) {
      const size_t open = rest.find('{');
      if (open != 0) {
        const absl::string_view literal = rest.substr(0, open);
        if (literal.find('}') != absl::string_view::npos) {
          return Malformed(phrase, "'}' without '{'");
        }
        c.pieces.push_back(
            {.kind = Piece::kLiteral, .literal = std::string(literal)});
        if (open == absl::string_view::npos) break;
        rest.remove_prefix(open);
      }
      const size_t close = rest.find('}');
      if (close == absl::string_view::npos) {
        return Malformed(phrase, "'{' without '}'");
      }
      absl::string_view spec = rest.substr(1, close - 1);
      rest.remove_prefix(close + 1);
      Piece piece;
      if (!spec.empty() && spec[0] == 's') {
        piece.kind = Piece::kString;
        if (!absl::SimpleAtoi(spec.substr(1), &piece.index) ||
            piece.index < 0 || piece.index >= phrase.text_arity) {
          return Malformed(phrase,
                           absl::StrCat("bad string placeholder {", spec, "}"));
        }
        c.pieces.push_back(std::move(piece));
        continue;
      }
      const size_t bar = spec.find('|');
      const size_t colon = spec.find(':');
      const size_t end = std::min(bar, colon);
      if (!absl::SimpleAtoi(spec.substr(0, end), &piece.index) ||
          piece.index < 0 || piece.index >= phrase.arity) {
        return Malformed(phrase, absl::StrCat("bad placeholder {", spec, "}"));
      }
      if (end == absl::string_view::npos) {
        piece.kind = Piece::kNumber;
      } else if (end == bar) {
        std::vector<absl::string_view> words =
            absl::StrSplit(spec.substr(bar + 1), '|');
        if (words.size() != 2) {
          return Malformed(phrase, absl::StrCat("{", spec,
                                                "} needs two words: {N|one|"
                                                "other}"));
        }
        piece.kind = Piece::kPlural;
        piece.literal = std::string(words[0]);
        piece.other = std::string(words[1]);
      } else {
        auto it = table_index.find(spec.substr(colon + 1));
        if (it == table_index.end()) {
          return Malformed(phrase,
                           absl::StrCat("unknown table in {", spec, "}"));
        }
        piece.kind = Piece::kTable;
        piece.table = it->second;
      }
      c.pieces.push_back(std::move(piece));
    }
    if (!f.compiled_.emplace(phrase.code, std::move(c)).second) {
      return Malformed(phrase, "code listed twice");
    }
  }
  f.phrases_ = std::move(phrases);
  f.tables_ = std::move(tables);
  return f;
}

std::string ReasonFormatter::Format(
    absl::Span<const int32_t> codes, absl::Span<const int32_t> args,
    absl::Span<const std::string> text_args) const {
  std::string out;
  AppendTo(out, codes, args, text_args);
  return out;
}

void ReasonFormatter::AppendTo(std::string& out,
                               absl::Span<const int32_t> codes,
                               absl::Span<const int32_t> args,
                               absl::Span<const std::string> text_args) const {
  const size_t start = out.size();
  size_t next_arg = 0, next_text = 0;
  bool first = true;
  for (int32_t code : codes) {
    auto it = compiled_.find(code);
    if (it == compiled_.end()) {
      out.resize(start);
      absl::StrAppend(&out, "(reason ", code,
                      ": not in this reason catalogue)");
      return;
    }
    const Compiled& c = it->second;
    if (!first && !c.continues) out += "; ";
    first = false;
    for (const Piece& p : c.pieces) {
      const size_t a = next_arg + p.index;
      const bool has_number = a < args.size();
      switch (p.kind) {
        case Piece::kLiteral:
          out += p.literal;
          break;
        case Piece::kNumber:
          if (has_number) {
            absl::StrAppend(&out, args[a]);
          } else {
            out += "?";
          }
          break;
        case Piece::kPlural:
          out += has_number && args[a] == 1 ? p.literal : p.other;
          break;
        case Piece::kTable: {
          const ReasonTableText& table = tables_[p.table];
          if (has_number && args[a] >= 0 &&
              static_cast<size_t>(args[a]) < table.entries.size()) {
            out += table.entries[args[a]];
          } else {
            absl::StrAppend(&out, "(", table.name, " ",
                            has_number ? absl::StrCat(args[a]) : "?", ")");
          }
          break;
        }
        case Piece::kString:
          if (next_text + p.index < text_args.size()) {
            out += text_args[next_text + p.index];
          }
          break;
      }
    }
    next_arg += c.arity;
    next_text += c.text_arity;
  }
}

}  // namespace raa
