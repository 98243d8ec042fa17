#include "services/matching/index_snapshot.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/snapshot_io.h"

namespace raa {
namespace {

constexpr absl::string_view kMagic = "raamatch index snapshot 2\n";

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
  if (i < bytes.size()) std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  h = (h ^ tail) * kMul;
  return h ^ (h >> 29);
}

// The header: magic, the stamp, the payload's length and checksum.
std::string Header(const IndexStamp& stamp, absl::string_view payload) {
  std::string out(kMagic);
  SnapshotWriter w(out);
  w.String(stamp.build);
  w.String(stamp.token);
  w.Word(static_cast<uint64_t>(stamp.saved_through));
  w.Word(payload.size());
  w.Word(Checksum(payload));
  return out;
}

bool WriteAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;
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

std::string Describe(const IndexStamp& s) {
  return absl::StrCat("build ", s.build, ", token ",
                      s.token.empty() ? "(none)" : s.token, ", change ",
                      s.saved_through);
}

}  // namespace

absl::StatusOr<IndexStamp> StampOf(const registry_rows::IndexedRows& rows) {
  if (BuildId().empty()) {
    return absl::FailedPreconditionError(
        "this raamatchd has no build id to tell its own saved index by");
  }
  if (rows.logging_triggers != registry_rows::kLoggingTriggers) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database has ", rows.logging_triggers, " of the ",
                     registry_rows::kLoggingTriggers,
                     " triggers that log changes to the indexed rows"));
  }
  return IndexStamp{.build = BuildId(),
                    .token = rows.token,
                    .saved_through = rows.saved_through};
}

std::string NewIndexToken() {
  std::random_device random;
  std::string token;
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&token, absl::Hex(random(), absl::kZeroPad8));
  }
  return token;
}

absl::Status WriteIndexSnapshot(const std::string& path,
                                const IndexStamp& stamp,
                                absl::string_view payload) {
  const std::string header = Header(stamp, payload);
  const std::string temporary = path + ".tmp";
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", temporary, ": ", strerror(errno)));
  }
  int error = 0;
  if (!WriteAll(fd, header) || !WriteAll(fd, payload) || fsync(fd) != 0) {
    error = errno;
  }
  if (close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && rename(temporary.c_str(), path.c_str()) != 0) {
    error = errno;
  }
  if (error != 0) {
    unlink(temporary.c_str());
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", strerror(error)));
  }
  return absl::OkStatus();
}

absl::StatusOr<SavedIndex> ReadIndexSnapshot(const std::string& path) {
  unlink((path + ".tmp").c_str());  // left by a stop that did not finish
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError("no index snapshot");
    return absl::UnavailableError(
        absl::StrCat("cannot read ", path, ": ", strerror(errno)));
  }
  SavedIndex saved;
  const bool read_whole = ReadAll(fd, saved.bytes);
  close(fd);
  if (!read_whole) {
    return absl::DataLossError(absl::StrCat("cannot read ", path));
  }
  absl::string_view bytes(saved.bytes);
  if (!absl::ConsumePrefix(&bytes, kMagic)) {
    return absl::DataLossError(absl::StrCat(path, " is not an index snapshot"));
  }
  SnapshotReader in(bytes);
  saved.stamp.build = in.String();
  saved.stamp.token = in.String();
  saved.stamp.saved_through = static_cast<int64_t>(in.Word());
  const uint64_t size = in.Word();
  const uint64_t checksum = in.Word();
  if (!in.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": header cut short"));
  }
  const absl::string_view payload = bytes.substr(in.position());
  if (payload.size() != size || Checksum(payload) != checksum) {
    return absl::DataLossError(
        absl::StrCat(path, ": cut short or changed since it was written"));
  }
  saved.payload_start = saved.bytes.size() - payload.size();
  return saved;
}

absl::Status CheckIndexStamp(const IndexStamp& saved, const IndexStamp& now) {
  if (!saved.token.empty() && saved == now) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("the index snapshot was saved at ", Describe(saved),
                   "; the database is now at ", Describe(now)));
}

}  // namespace raa
