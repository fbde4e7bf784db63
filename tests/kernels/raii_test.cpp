#include "cuda_raii.hpp"
#include "gemm_lt.hpp"

#include <gtest/gtest.h>

#include <type_traits>

namespace gpuparity {
namespace {

template <typename T>
constexpr bool move_only =
    !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
    std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T>;

static_assert(move_only<device_buffer>);
static_assert(move_only<pinned_buffer>);
static_assert(move_only<stream>);
static_assert(move_only<event>);
static_assert(move_only<graph>);
static_assert(move_only<graph_exec>);
static_assert(move_only<lt_handle>);
static_assert(!std::is_copy_constructible_v<lt_gemm>);
static_assert(!std::is_copy_constructible_v<peer_access>);  // a scoped state change
static_assert(!std::is_copy_constructible_v<device_guard>);

struct counting_deleter {
  static inline int calls = 0;
  void operator()(int) const noexcept { ++calls; }
};

TEST(UniqueHandle, ReleasesOnceAfterMoves) {
  counting_deleter::calls = 0;
  {
    unique_handle<int, counting_deleter> a(7);
    unique_handle<int, counting_deleter> b(std::move(a));
    EXPECT_EQ(a.get(), 0);
    EXPECT_EQ(b.get(), 7);
    unique_handle<int, counting_deleter> c;
    c = std::move(b);
    EXPECT_EQ(c.get(), 7);
    EXPECT_EQ(counting_deleter::calls, 0);
  }
  EXPECT_EQ(counting_deleter::calls, 1);
}

TEST(UniqueHandle, MoveAssignReleasesTheOldHandle) {
  counting_deleter::calls = 0;
  unique_handle<int, counting_deleter> a(1), b(2);
  a = std::move(b);
  EXPECT_EQ(counting_deleter::calls, 1);
  EXPECT_EQ(a.get(), 2);
}

}  // namespace
}  // namespace gpuparity
