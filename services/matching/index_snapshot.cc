#include "services/matching/index_snapshot.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "services/registry/registry_rows.h"

namespace raa {
namespace {

constexpr absl::string_view kMagic = "raamatch index snapshot\n";

// The GNU build id note of the main executable, hex; empty if none.
std::string ReadBuildId() {
  std::string id;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) -> int {
        // The first object is the executable itself.
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const char* at =
              reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = at + ph.p_memsz;
          while (at + sizeof(ElfW(Nhdr)) <= end) {
            const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(at);
            const char* name = at + sizeof(ElfW(Nhdr));
            const char* desc = name + ((note->n_namesz + 3) & ~3u);
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
                std::memcmp(name, "GNU", 4) == 0 &&
                desc + note->n_descsz <= end) {
              *static_cast<std::string*>(out) = absl::BytesToHexString(
                  absl::string_view(desc, note->n_descsz));
              return 1;
            }
            at = desc + ((note->n_descsz + 3) & ~3u);
          }
        }
        return 1;  // only the executable
      },
      &id);
  return id;
}

const std::string& BuildId() {
  static const std::string* const id = new std::string(ReadBuildId());
  return *id;
}

// A checksum of the payload, to catch a file cut short or changed on disk:
// 64-bit words multiplied in, the tail bytes as one more word.
uint64_t Checksum(absl::string_view bytes) {
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15;
  uint64_t h = bytes.size() * kMul;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  h = (h ^ tail) * kMul;
  return h ^ (h >> 29);
}

void AppendWord(std::string& out, uint64_t v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(v));
}

// The header: magic, the stamp, the payload's length and checksum.
std::string Header(const IndexStamp& stamp, absl::string_view payload) {
  std::string out(kMagic);
  AppendWord(out, stamp.build.size());
  out += stamp.build;
  AppendWord(out, static_cast<uint64_t>(stamp.changes));
  AppendWord(out, static_cast<uint64_t>(stamp.last_adopter_row));
  AppendWord(out, static_cast<uint64_t>(stamp.last_child_row));
  AppendWord(out, payload.size());
  AppendWord(out, Checksum(payload));
  return out;
}

bool WriteAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads `fd` from its start; false on an error or a file that changes size.
bool ReadAll(int fd, std::string& out) {
  struct stat st;
  if (fstat(fd, &st) != 0) return false;
  out.resize(static_cast<size_t>(st.st_size));
  size_t at = 0;
  while (at < out.size()) {
    const ssize_t n = read(fd, out.data() + at, out.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

// Takes a word from the front of `in`; false if it is too short.
bool TakeWord(absl::string_view& in, uint64_t& v) {
  if (in.size() < sizeof(v)) return false;
  std::memcpy(&v, in.data(), sizeof(v));
  in.remove_prefix(sizeof(v));
  return true;
}

std::string Describe(const IndexStamp& s) {
  return absl::StrCat("build ", s.build.empty() ? "(none)" : s.build, ", ",
                      s.changes, " changes, rows ", s.last_adopter_row, "/",
                      s.last_child_row);
}

}  // namespace

absl::StatusOr<IndexStamp> CurrentIndexStamp(Store& store) {
  IndexStamp stamp;
  stamp.build = BuildId();
  ASSIGN_OR_RETURN(stamp.changes, registry_rows::IndexedRowChanges(store));
  ASSIGN_OR_RETURN(stamp.last_adopter_row,
                   registry_rows::LastAdopterRow(store));
  ASSIGN_OR_RETURN(stamp.last_child_row, registry_rows::LastChildRow(store));
  return stamp;
}

absl::Status WriteIndexSnapshot(const std::string& path,
                                const IndexStamp& stamp,
                                const matcher::CandidateIndex& index) {
  if (stamp.build.empty()) {
    return absl::FailedPreconditionError(
        "this raamatchd has no build id to stamp an index snapshot with");
  }
  std::string payload;
  index.Save(payload);
  const std::string header = Header(stamp, payload);
  const std::string temporary = path + ".tmp";
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", temporary, ": ", strerror(errno)));
  }
  bool ok = WriteAll(fd, header) && WriteAll(fd, payload) && fsync(fd) == 0;
  const int saved_errno = errno;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(temporary.c_str(), path.c_str()) != 0) {
    unlink(temporary.c_str());
    return absl::UnavailableError(absl::StrCat(
        "cannot write ", path, ": ", strerror(ok ? errno : saved_errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<matcher::CandidateIndex> TakeIndexSnapshot(
    const std::string& path, const IndexStamp& now) {
  unlink((path + ".tmp").c_str());  // left by a stop that did not finish
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError("no index snapshot");
    return absl::UnavailableError(
        absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  }
  // Used once, whatever it holds: the database moves on from here.
  unlink(path.c_str());
  std::string bytes;
  const bool read_whole = ReadAll(fd, bytes);
  close(fd);
  if (!read_whole) {
    return absl::DataLossError(absl::StrCat("cannot read ", path));
  }
  absl::string_view in(bytes);
  if (!absl::ConsumePrefix(&in, kMagic)) {
    return absl::DataLossError(absl::StrCat(path, " is not an index snapshot"));
  }
  IndexStamp saved;
  uint64_t build_size = 0, changes = 0, adopter = 0, child = 0, size = 0,
           checksum = 0;
  if (!TakeWord(in, build_size) || build_size > 256 || in.size() < build_size) {
    return absl::DataLossError(absl::StrCat(path, ": header cut short"));
  }
  saved.build = std::string(in.substr(0, build_size));
  in.remove_prefix(build_size);
  if (!TakeWord(in, changes) || !TakeWord(in, adopter) ||
      !TakeWord(in, child) || !TakeWord(in, size) || !TakeWord(in, checksum)) {
    return absl::DataLossError(absl::StrCat(path, ": header cut short"));
  }
  saved.changes = static_cast<int64_t>(changes);
  saved.last_adopter_row = static_cast<int64_t>(adopter);
  saved.last_child_row = static_cast<int64_t>(child);
  if (saved.build.empty() || !(saved == now)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the index snapshot was saved at ", Describe(saved),
                     "; now ", Describe(now)));
  }
  if (in.size() != size || Checksum(in) != checksum) {
    return absl::DataLossError(
        absl::StrCat(path, ": cut short or changed since it was written"));
  }
  return matcher::CandidateIndex::Load(in);
}

}  // namespace raa
