// A gRPC message allocator that puts a unary call's request and response in
// one protobuf Arena per call, so that building a large response (a ranking:
// hundreds of submessages and strings) costs a few block allocations instead
// of one malloc per message and string, and destroying it costs one free.
//
//   // Once, before the server starts; it must outlive the server.
//   ArenaMessageAllocator<v1::RankAdoptersRequest, v1::RankAdoptersResponse>
//       rank_adopters_allocator;
//   matching_service.SetMessageAllocatorFor_RankAdopters(
//       &rank_adopters_allocator);
//
// The handler then gets a request and a response that live on the call's
// arena (response->GetArena() is that arena) and should write straight into
// the response (UnaryRunner's in-place handlers, services/rpc/unary.h):
// assigning a heap-built message to an arena message copies it.
//
// Works with WireCheckedService (services/rpc/checked_service.h): it hands
// the bytes to the generated handler, which asks this allocator for the
// messages; a request refused by the wire check allocates nothing.
//
// Per call: one heap allocation holds the holder and the arena's first block
// (`first_block_bytes`); the arena grows in further blocks only when the
// messages need more. Release (called by gRPC once the call is done and the
// response sent) destroys both messages and frees every block.
//
// Lifetime: the allocator must outlive every call of the server it is
// registered with (gRPC keeps a pointer to it). Thread-safe: it keeps no
// state besides its constant options, and each call's holder is used by one
// call at a time (gRPC's contract).
#ifndef RAAMATCH_SERVICES_RPC_ARENA_ALLOCATOR_H_
#define RAAMATCH_SERVICES_RPC_ARENA_ALLOCATOR_H_

#include <cstddef>
#include <cstdlib>
#include <new>

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace raa {

template <typename Request, typename Response>
class ArenaMessageAllocator final
    : public grpc::MessageAllocator<Request, Response> {
 public:
  // What a holder's arena starts with, in bytes, before it allocates a
  // further block. A ranking response of 20 households with every component
  // fits in about 16 KiB.
  static constexpr size_t kDefaultFirstBlockBytes = 16 * 1024;

  explicit ArenaMessageAllocator(
      size_t first_block_bytes = kDefaultFirstBlockBytes)
      : first_block_bytes_(first_block_bytes < kMinFirstBlockBytes
                               ? kMinFirstBlockBytes
                               : first_block_bytes) {}

  ArenaMessageAllocator(const ArenaMessageAllocator&) = delete;
  ArenaMessageAllocator& operator=(const ArenaMessageAllocator&) = delete;

  grpc::MessageHolder<Request, Response>* AllocateMessages() override {
    void* memory = ::operator new (sizeof(Holder) + first_block_bytes_,
                                   std::align_val_t{alignof(Holder)});
    return new (memory) Holder(first_block_bytes_);
  }

 private:
  // Protobuf needs room for its own block header in a first block.
  static constexpr size_t kMinFirstBlockBytes = 256;

  // The holder and the arena's first block share one allocation: the block
  // starts right after the holder.
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    explicit Holder(size_t first_block_bytes)
        : arena_(FirstBlock(), first_block_bytes) {
      this->set_request(
          google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(
          google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }

    // Called by gRPC once, when the call is done: the arena's destructor
    // runs the messages' destructors and frees every block it allocated
    // (never the first, which is this allocation).
    void Release() override {
      this->~Holder();
      ::operator delete (static_cast<void*>(this),
                         std::align_val_t{alignof(Holder)});
    }

   private:
    ~Holder() override = default;

    char* FirstBlock() {
      return reinterpret_cast<char*>(this) + sizeof(Holder);
    }

    google::protobuf::Arena arena_;
  };

  const size_t first_block_bytes_;
};

}  // namespace raa

#endif  // RAAMATCH_SERVICES_RPC_ARENA_ALLOCATOR_H_
