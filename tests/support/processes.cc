#include "tests/support/processes.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

extern char** environ;

namespace raa::test {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string WriteFile(const ScratchDir& dir, const std::string& name,
                      const std::string& text) {
  std::string path = dir.File(name);
  std::ofstream(path) << text;
  return path;
}

std::string Quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

CommandResult Shell(const ScratchDir& dir, const std::string& command) {
  std::string out = dir.File("cmd.out");
  std::string err = dir.File("cmd.err");
  int status = std::system(
      absl::StrCat(command, " >", out, " 2>", err, " </dev/null").c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

Raamatchd::Raamatchd(std::string path, const ScratchDir& dir)
    : path_(std::move(path)),
      db_(dir.File("raamatch.db")),
      key_file_(dir.File("manager.key")),
      port_file_(dir.File("port")),
      out_log_(dir.File("out.log")),
      err_log_(dir.File("err.log")) {}

Raamatchd::~Raamatchd() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Raamatchd::Spawn(const std::vector<std::string>& flags) {
  ASSERT_EQ(pid_, 0) << "already running";
  std::filesystem::remove(port_file_);
  std::vector<std::string> args = {
      path_,    "--db", db_, "--port-file", port_file_, "--bootstrap-key-file",
      key_file_};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int mode = O_WRONLY | O_CREAT | (started_once_ ? O_APPEND : O_TRUNC);
  started_once_ = true;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_log_.c_str(),
                                   mode, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_log_.c_str(),
                                   mode, 0644);
  int rc = posix_spawn(&pid_, path_.c_str(), &actions, nullptr, argv.data(),
                       environ);
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_EQ(rc, 0) << "cannot run " << path_;
}

void Raamatchd::Start(const std::vector<std::string>& flags) {
  ASSERT_NO_FATAL_FAILURE(Spawn(flags));
  const absl::Time deadline = absl::Now() + kProcessPatience;
  int port = 0;
  while (true) {
    std::string text = ReadFile(port_file_);
    // The file is complete once it ends with a newline.
    if (!text.empty() && text.back() == '\n' &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port)) {
      break;
    }
    int status = 0;
    ASSERT_NE(waitpid(pid_, &status, WNOHANG), pid_)
        << "raamatchd exited before serving:\n"
        << log();
    ASSERT_LT(absl::Now(), deadline) << "raamatchd did not start:\n" << log();
    absl::SleepFor(absl::Milliseconds(10));
  }
  address_ = absl::StrCat("127.0.0.1:", port);
}

int Raamatchd::Exit() {
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<int> Raamatchd::WaitForExit() {
  const absl::Time deadline = absl::Now() + kProcessPatience;
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return status;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return std::nullopt;
}

std::optional<int> Raamatchd::Stop(int signal) {
  if (pid_ <= 0) return std::nullopt;
  kill(pid_, signal);
  return WaitForExit();
}

void Raamatchd::StopCleanly() {
  if (pid_ <= 0) return;
  std::optional<int> status = Stop(SIGTERM);
  EXPECT_TRUE(status.has_value() && WIFEXITED(*status) &&
              WEXITSTATUS(*status) == 0)
      << "raamatchd did not shut down cleanly:\n"
      << log();
}

std::string Raamatchd::manager_key() const {
  return std::string(absl::StripAsciiWhitespace(ReadFile(key_file_)));
}
std::string Raamatchd::out() const { return ReadFile(out_log_); }
std::string Raamatchd::err() const { return ReadFile(err_log_); }

}  // namespace raa::test
