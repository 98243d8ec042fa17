// Responses written in place. A ranking is served raw
// (UnaryRunner::InlineFirstRaw): the runner decodes the request onto an
// arena of its own (its first block on the stack while gRPC's thread
// answers), the handler writes straight into the response beside it, and
// the answer is sized and encoded once. Other methods' in-place handlers
// (Unary with a handler taking the response) write into the message gRPC
// sends. Served by a real gRPC server in this process (an in-process
// channel), behind WireCheckedService as raamatchd serves, with keys from a
// scratch store; the handlers are the test's own, on MatchingService's
// RankAdopters (raw) and RankChildren (typed).
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "raa/v1/matching.grpc.pb.h"
#include "services/rpc/checked_service.h"
#include "services/rpc/unary.h"
#include "services/rpc/worker_pool.h"
#include "tests/support/grpc_calls.h"
#include "tests/support/scratch_domain.h"
#include "tests/support/status_matchers.h"

namespace raa {
namespace {

using ::raa::test::Call;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Code = ::grpc::StatusCode;

// A page size the test handlers take to mean "the inline attempt cannot
// answer: go to the pool" (after scribbling on the response).
constexpr int kNeedsPool = 7;
// A page size the test handlers answer with NOT_FOUND after writing half an
// answer.
constexpr int kFails = 9;

// What a handler saw of the messages gRPC gave it.
struct Seen {
  bool ran_inline = false;
  bool ran_on_pool = false;
  bool response_is_grpcs = false;  // the pointer the service method got
  const google::protobuf::Arena* request_arena = nullptr;
  const google::protobuf::Arena* response_arena = nullptr;
  bool arena_on_stack = false;  // the response is in this thread's stack
};

// Writes `n` ranked households into `out`, each with one component.
void WriteRanking(const std::string& child, int n,
                  v1::RankAdoptersResponse* out) {
  for (int i = 0; i < n; ++i) {
    v1::RankedAdopter* ranked = out->add_adopters();
    ranked->set_adopter(absl::StrCat("authorities/sheffield/adopters/h", i));
    ranked->set_score(90 - i);
    v1::ScoreComponent* component = ranked->add_components();
    component->set_component("age");
    component->set_reason(absl::StrCat("for ", child));
  }
}

class InPlaceService final
    : public v1::MatchingService::WithRawCallbackMethod_RankAdopters<
          v1::MatchingService::CallbackService> {
 public:
  explicit InPlaceService(UnaryRunner& rpc) : rpc_(rpc) {}

  Seen LastSeen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  // Raw, in place, inline first.
  grpc::ServerUnaryReactor* RankAdopters(grpc::CallbackServerContext* ctx,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override {
    return rpc_.InlineFirstRaw<v1::RankAdoptersRequest,
                               v1::RankAdoptersResponse>(
        ctx, RAA_RULE(MatchingService, RankAdopters), request, response,
        [this](const Caller&, const v1::RankAdoptersRequest& in,
               v1::RankAdoptersResponse* out) -> std::optional<absl::Status> {
          Note(&in, static_cast<const v1::RankAdoptersResponse*>(nullptr), out,
               /*on_pool=*/false);
          if (in.page_size() == kNeedsPool) {
            WriteRanking("scribble", 3, out);  // never sent
            return std::nullopt;
          }
          if (in.page_size() == kFails) {
            WriteRanking(in.child(), 2, out);
            return absl::NotFoundError("no such child");
          }
          WriteRanking(in.child(), in.page_size(), out);
          return absl::OkStatus();
        },
        [this](const Caller&, const v1::RankAdoptersRequest& in,
               v1::RankAdoptersResponse* out) {
          Note(&in, static_cast<const v1::RankAdoptersResponse*>(nullptr), out,
               /*on_pool=*/true);
          if (in.page_size() == kFails) {
            WriteRanking(in.child(), 2, out);
            return absl::NotFoundError("no such child");
          }
          WriteRanking(in.child(), in.page_size(), out);
          return absl::OkStatus();
        });
  }

  // Typed, in place on the pool, messages allocated by gRPC's default
  // holder.
  grpc::ServerUnaryReactor* RankChildren(
      grpc::CallbackServerContext* ctx, const v1::RankChildrenRequest* request,
      v1::RankChildrenResponse* response) override {
    return rpc_.Unary(ctx, RAA_RULE(MatchingService, RankChildren), request,
                      response,
                      [this, request, response](const Caller&,
                                                v1::RankChildrenResponse* out) {
                        Note(request, response, out, /*on_pool=*/true);
                        out->add_children()->set_child(
                            absl::StrCat(request->adopter(), "/c1"));
                        return absl::OkStatus();
                      });
  }

 private:
  template <typename Request, typename Response>
  void Note(const Request* request, const Response* grpcs, const Response* out,
            bool on_pool) {
    absl::MutexLock lock(&mu_);
    seen_.ran_inline = !on_pool;
    seen_.ran_on_pool = on_pool;
    seen_.response_is_grpcs = out == grpcs;
    seen_.request_arena = request->GetArena();
    seen_.response_arena = out->GetArena();
    // Within a few pages of a local of this frame: on this thread's stack.
    const char here = 0;
    const auto distance =
        reinterpret_cast<uintptr_t>(out) - reinterpret_cast<uintptr_t>(&here);
    seen_.arena_on_stack = distance < 64 * 1024;
  }

  UnaryRunner& rpc_;
  absl::Mutex mu_;
  Seen seen_ ABSL_GUARDED_BY(mu_);
};

class InPlaceTest : public test::ScratchDomainTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(test::ScratchDomainTest::SetUp());
    AddMember("sheffield", "south-yorkshire");
    finder_key_ = IssueKey("sheffield", {v1::ROLE_FAMILY_FINDER}).secret();
    registrar_key_ = IssueKey("sheffield", {v1::ROLE_REGISTRAR}).secret();
    pool_ = std::make_unique<WorkerPool>(2);
    rpc_ = std::make_unique<UnaryRunner>(*authenticator_, *pool_);
    service_ = std::make_unique<InPlaceService>(*rpc_);
    checked_ = std::make_unique<WireCheckedService>(*service_,
                                                    "raa.v1.MatchingService");
    grpc::ServerBuilder builder;
    builder.RegisterService(checked_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::MatchingService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    pool_.reset();  // runs what is queued, then joins
  }

  grpc::Status Rank(absl::string_view key, int page_size,
                    v1::RankAdoptersResponse* response) {
    v1::RankAdoptersRequest request;
    request.set_child("authorities/sheffield/children/c1");
    request.set_page_size(page_size);
    return Call(*stub_, &v1::MatchingService::Stub::RankAdopters, key, request,
                response);
  }

  std::string finder_key_;
  std::string registrar_key_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<UnaryRunner> rpc_;
  std::unique_ptr<InPlaceService> service_;
  std::unique_ptr<WireCheckedService> checked_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::MatchingService::Stub> stub_;
};

std::vector<std::string> Names(const v1::RankAdoptersResponse& response) {
  std::vector<std::string> names;
  for (const v1::RankedAdopter& a : response.adopters()) {
    names.push_back(a.adopter());
  }
  return names;
}

TEST_F(InPlaceTest, InlineTheMessagesShareAnArenaOnTheStack) {
  v1::RankAdoptersResponse response;
  ASSERT_TRUE(Rank(finder_key_, 20, &response).ok());  // caches the key
  response.Clear();
  ASSERT_TRUE(Rank(finder_key_, 20, &response).ok());
  Seen seen = service_->LastSeen();
  EXPECT_TRUE(seen.ran_inline);
  EXPECT_NE(seen.response_arena, nullptr);
  EXPECT_EQ(seen.request_arena, seen.response_arena);
  EXPECT_TRUE(seen.arena_on_stack);
  ASSERT_EQ(response.adopters_size(), 20);
  EXPECT_EQ(response.adopters(19).adopter(),
            "authorities/sheffield/adopters/h19");
  EXPECT_EQ(response.adopters(0).components(0).reason(),
            "for authorities/sheffield/children/c1");
}

TEST_F(InPlaceTest, AnAnswerLargerThanTheFirstBlockArrivesWhole) {
  for (int round = 0; round < 2; ++round) {  // on the pool, then inline
    v1::RankAdoptersResponse response;
    ASSERT_TRUE(Rank(finder_key_, 500, &response).ok());
    EXPECT_GT(response.ByteSizeLong(), 16 * 1024u);
    ASSERT_EQ(response.adopters_size(), 500) << round;
    EXPECT_EQ(response.adopters(499).adopter(),
              "authorities/sheffield/adopters/h499");
  }
  EXPECT_TRUE(service_->LastSeen().ran_inline);
}

TEST_F(InPlaceTest, EachCallGetsItsOwnMessages) {
  v1::RankAdoptersResponse first;
  ASSERT_TRUE(Rank(finder_key_, 2, &first).ok());
  v1::RankAdoptersResponse second;
  ASSERT_TRUE(Rank(finder_key_, 1, &second).ok());
  // The second answer holds nothing of the first.
  EXPECT_THAT(Names(second), ElementsAre("authorities/sheffield/adopters/h0"));
}

// The bytes sent are protobuf's own encoding of the answer the handler
// wrote.
TEST_F(InPlaceTest, TheAnswerIsSentAsProtobufEncodesIt) {
  v1::RankAdoptersResponse response;
  ASSERT_TRUE(Rank(finder_key_, 1, &response).ok());  // caches the key
  grpc::GenericStub generic(
      server_->InProcessChannel(grpc::ChannelArguments()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + test::kCallDeadline);
  context.AddMetadata("authorization", "Bearer " + finder_key_);
  v1::RankAdoptersRequest request;
  request.set_child("authorities/sheffield/children/c1");
  request.set_page_size(20);
  grpc::Slice slice(request.SerializeAsString());
  grpc::ByteBuffer request_bytes(&slice, 1);
  grpc::ByteBuffer reply;
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/raa.v1.MatchingService/RankAdopters",
                    grpc::StubOptions(), &request_bytes, &reply,
                    [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(reply.Dump(&slices).ok());
  std::string sent;
  for (const grpc::Slice& s : slices) {
    sent.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  v1::RankAdoptersResponse expected;
  WriteRanking(request.child(), 20, &expected);
  EXPECT_EQ(sent, expected.SerializeAsString());
}

TEST_F(InPlaceTest, AnUncachedKeyRunsOnThePoolThenACachedOneInline) {
  v1::RankAdoptersResponse response;
  ASSERT_TRUE(Rank(finder_key_, 3, &response).ok());
  EXPECT_TRUE(service_->LastSeen().ran_on_pool);
  EXPECT_EQ(response.adopters_size(), 3);
  // The pool authenticated the key from the store and cached it.
  response.Clear();
  ASSERT_TRUE(Rank(finder_key_, 3, &response).ok());
  EXPECT_TRUE(service_->LastSeen().ran_inline);
  EXPECT_EQ(response.adopters_size(), 3);
}

TEST_F(InPlaceTest, WhatTheInlineAttemptWroteIsClearedBeforeThePoolRuns) {
  v1::RankAdoptersResponse response;
  ASSERT_TRUE(Rank(finder_key_, 1, &response).ok());  // caches the key
  response.Clear();
  ASSERT_TRUE(Rank(finder_key_, kNeedsPool, &response).ok());
  EXPECT_TRUE(service_->LastSeen().ran_on_pool);
  ASSERT_EQ(response.adopters_size(), kNeedsPool);
  for (const v1::RankedAdopter& a : response.adopters()) {
    EXPECT_EQ(a.components(0).reason(),
              "for authorities/sheffield/children/c1");
  }
}

TEST_F(InPlaceTest, AnErrorSendsTheStatusAndNoHalfAnswer) {
  for (int round = 0; round < 2; ++round) {  // on the pool, then inline
    v1::RankAdoptersResponse response;
    grpc::Status status = Rank(finder_key_, kFails, &response);
    EXPECT_EQ(status.error_code(), Code::NOT_FOUND) << round;
    EXPECT_EQ(status.error_message(), "no such child");
    EXPECT_THAT(response.adopters(), IsEmpty());
  }
  EXPECT_TRUE(service_->LastSeen().ran_inline);
}

TEST_F(InPlaceTest, KeyAndAccessRuleAreCheckedBeforeTheHandler) {
  v1::RankAdoptersResponse response;
  EXPECT_EQ(Rank("", 3, &response).error_code(), Code::UNAUTHENTICATED);
  EXPECT_EQ(Rank("raa_0123456789abcdef_nope", 3, &response).error_code(),
            Code::UNAUTHENTICATED);
  // A registrar may rank for its own member's child only: the rule allows
  // this one, so check a caller whose member is another.
  AddMember("leeds", "west-yorkshire");
  std::string leeds_key = IssueKey("leeds", {v1::ROLE_REGISTRAR}).secret();
  EXPECT_EQ(Rank(leeds_key, 3, &response).error_code(),
            Code::PERMISSION_DENIED);
  EXPECT_EQ(Rank(leeds_key, 3, &response).error_code(),
            Code::PERMISSION_DENIED);  // cached key, inline path
  Seen seen = service_->LastSeen();
  EXPECT_FALSE(seen.ran_inline || seen.ran_on_pool);
  EXPECT_THAT(response.adopters(), IsEmpty());
}

TEST_F(InPlaceTest, ATypedHandlerWritesGrpcsResponse) {
  v1::RankChildrenRequest request;
  request.set_adopter("authorities/sheffield/adopters/h1");
  v1::RankChildrenResponse response;
  ASSERT_TRUE(Call(*stub_, &v1::MatchingService::Stub::RankChildren,
                   registrar_key_, request, &response)
                  .ok());
  Seen seen = service_->LastSeen();
  EXPECT_TRUE(seen.ran_on_pool);
  EXPECT_TRUE(seen.response_is_grpcs);
  EXPECT_EQ(seen.response_arena, nullptr);
  ASSERT_EQ(response.children_size(), 1);
  EXPECT_EQ(response.children(0).child(),
            "authorities/sheffield/adopters/h1/c1");
}

TEST_F(InPlaceTest, BytesThatAreNotTheRequestReachNoHandler) {
  grpc::GenericStub generic(
      server_->InProcessChannel(grpc::ChannelArguments()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + test::kCallDeadline);
  context.AddMetadata("authorization", "Bearer " + finder_key_);
  const std::string garbage = "\x0a\xff\xff";  // a string longer than it is
  grpc::Slice slice(garbage);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer reply;
  absl::Notification done;
  grpc::Status status;
  generic.UnaryCall(&context, "/raa.v1.MatchingService/RankAdopters",
                    grpc::StubOptions(), &request, &reply, [&](grpc::Status s) {
                      status = std::move(s);
                      done.Notify();
                    });
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), Code::INVALID_ARGUMENT);
  Seen seen = service_->LastSeen();
  EXPECT_FALSE(seen.ran_inline || seen.ran_on_pool);
}

}  // namespace
}  // namespace raa
