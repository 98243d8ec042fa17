// Helpers for end-to-end tests that run raamatchd and raa as processes:
// files, shell quoting, running a command line, and Raamatchd, the server
// process on a database in a scratch directory.
//
//   ScratchDir dir;
//   Raamatchd server(dir);
//   ASSERT_NO_FATAL_FAILURE(server.Start({"--listen", "127.0.0.1:0"}));
//   CommandResult r = Shell(dir, "raa --server " + server.address() + " …");
//   server.StopCleanly();
//
// The binaries' paths come from the test's compile definitions
// (RAAMATCHD_PATH), so this library takes them as arguments.
#ifndef RAAMATCH_TESTS_SUPPORT_PROCESSES_H_
#define RAAMATCH_TESTS_SUPPORT_PROCESSES_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/scratch_dir.h"

namespace raa::test {

// The whole file; empty if it cannot be read.
std::string ReadFile(const std::string& path);
// Writes `text` to dir/name and returns the path.
std::string WriteFile(const ScratchDir& dir, const std::string& name,
                      const std::string& text);

// Single-quotes `arg` for the shell.
std::string Quote(const std::string& arg);

struct CommandResult {
  int exit_code = -1;  // -1 if the command did not exit normally
  std::string out;
  std::string err;
};

// Runs a shell command line with no input, capturing its output in `dir`
// (cmd.out, cmd.err).
CommandResult Shell(const ScratchDir& dir, const std::string& command);

// How long raamatchd may take to start or stop before a test gives up.
inline constexpr absl::Duration kProcessPatience = absl::Seconds(60);

// One raamatchd process (the binary at `path`) on dir/raamatch.db, with its
// bootstrap key in dir/manager.key, its port in dir/port and its output in
// dir/out.log and dir/err.log (emptied by the object's first start, kept
// across its restarts). Killed with SIGKILL if still running on destruction.
// Thread-compatible.
class Raamatchd {
 public:
  Raamatchd(std::string path, const ScratchDir& dir);
  ~Raamatchd();
  Raamatchd(const Raamatchd&) = delete;
  Raamatchd& operator=(const Raamatchd&) = delete;

  // Starts raamatchd with `flags` after --db, --port-file and
  // --bootstrap-key-file, without waiting.
  void Spawn(const std::vector<std::string>& flags);
  // Spawns and waits until it serves (its port file is written whole), then
  // sets address() to 127.0.0.1:<port>. Fails the test if it exits first or
  // takes longer than kProcessPatience.
  void Start(const std::vector<std::string>& flags);

  // Waits for the process to end by itself; its exit code, -1 if killed.
  int Exit();
  // The wait status once the process has ended, or nullopt after
  // kProcessPatience.
  std::optional<int> WaitForExit();
  // Sends `signal` and waits (as WaitForExit); nullopt if not running.
  std::optional<int> Stop(int signal);
  // SIGTERM; expects exit code 0. Nothing if not running.
  void StopCleanly();

  const std::string& address() const { return address_; }
  // Read from the key file at each call.
  std::string manager_key() const;
  std::string out() const;
  std::string err() const;
  // out() then err().
  std::string log() const { return out() + err(); }
  const std::string& db() const { return db_; }
  const std::string& key_file() const { return key_file_; }
  const std::string& port_file() const { return port_file_; }

 private:
  const std::string path_;
  const std::string db_;
  const std::string key_file_;
  const std::string port_file_;
  const std::string out_log_;
  const std::string err_log_;
  bool started_once_ = false;
  pid_t pid_ = 0;
  std::string address_;
};

}  // namespace raa::test

#endif  // RAAMATCH_TESTS_SUPPORT_PROCESSES_H_
