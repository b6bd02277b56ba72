#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/error.h"

namespace strata {
namespace test_errors {

enum class ParseErrc { truncated = 1, bad_magic = 2 };
constexpr std::string_view error_category(ParseErrc) { return "parse"; }

enum class DiskErrc { truncated = 1 };  // same number as ParseErrc::truncated, other category
constexpr std::string_view error_category(DiskErrc) { return "disk"; }

}  // namespace test_errors

namespace {

using test_errors::DiskErrc;
using test_errors::ParseErrc;

result<int> parse_positive(int v) {
  if (v < 0) return Error(ParseErrc::bad_magic, "negative");
  return v;
}

result<void> check_positive(int v) {
  if (v < 0) return Error(ParseErrc::truncated, "negative");
  return success();
}

// Every step sets a marker so the tests can see where the function stopped.
result<int> doubled_via_try_assign(int v, int& reached) {
  reached = 1;
  STRATA_TRY_ASSIGN(int x, parse_positive(v));
  reached = 2;
  STRATA_TRY_ASSIGN(auto y, parse_positive(x + 1));
  reached = 3;
  return x + y;
}

result<std::string> checked_via_try(int v, int& reached) {
  reached = 1;
  STRATA_TRY(check_positive(v));
  reached = 2;
  STRATA_TRY(parse_positive(v));  // a result<int> in a function returning result<std::string>
  reached = 3;
  return std::string("ok");
}

result<void> void_via_try(int v) {
  STRATA_TRY(check_positive(v));
  return success();
}

TEST(Result, HoldsAValue) {
  result<int> r = parse_positive(7);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r.has_error());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 7);
  EXPECT_EQ(*r, 7);
}

TEST(Result, HoldsAnError) {
  result<int> r = parse_positive(-1);
  ASSERT_TRUE(r.has_error());
  EXPECT_FALSE(r.has_value());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_TRUE(r.error().is(ParseErrc::bad_magic));
  EXPECT_EQ(r.error().message(), "negative");
  EXPECT_EQ(r.error().category(), "parse");
  EXPECT_EQ(r.error().code(), 2);
}

TEST(Result, MovesOutMoveOnlyValues) {
  result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
}

TEST(Result, FailureMarksTheErrorSide) {
  result<int> r = failure(Error(ParseErrc::truncated, "short"));
  ASSERT_TRUE(r.has_error());
  EXPECT_TRUE(r.error().is(ParseErrc::truncated));
}

TEST(Result, VoidResult) {
  result<void> ok = check_positive(1);
  EXPECT_TRUE(ok.has_value());
  result<void> bad = check_positive(-1);
  ASSERT_TRUE(bad.has_error());
  EXPECT_TRUE(bad.error().is(ParseErrc::truncated));
}

TEST(Result, AccessingTheWrongSideAborts) {
  EXPECT_DEATH((void)parse_positive(-1).value(), "");
  EXPECT_DEATH((void)parse_positive(1).error(), "");
}

TEST(Result, TryAssignPassesValuesOn) {
  int reached = 0;
  result<int> r = doubled_via_try_assign(4, reached);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 9);
  EXPECT_EQ(reached, 3);
}

TEST(Result, TryAssignReturnsTheFirstError) {
  int reached = 0;
  result<int> r = doubled_via_try_assign(-5, reached);
  ASSERT_TRUE(r.has_error());
  EXPECT_TRUE(r.error().is(ParseErrc::bad_magic));
  EXPECT_EQ(reached, 1);
}

TEST(Result, TryPropagatesAcrossValueTypes) {
  int reached = 0;
  result<std::string> ok = checked_via_try(3, reached);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, "ok");
  EXPECT_EQ(reached, 3);

  result<std::string> bad = checked_via_try(-3, reached);
  ASSERT_TRUE(bad.has_error());
  EXPECT_TRUE(bad.error().is(ParseErrc::truncated));
  EXPECT_EQ(reached, 1);

  EXPECT_TRUE(void_via_try(1).has_value());
  EXPECT_TRUE(void_via_try(-1).has_error());
}

TEST(Error, IsComparesCategoryAndCode) {
  Error e(ParseErrc::truncated, "short read");
  EXPECT_TRUE(e.is(ParseErrc::truncated));
  EXPECT_FALSE(e.is(ParseErrc::bad_magic));
  EXPECT_FALSE(e.is(DiskErrc::truncated));  // same code number, other module
  EXPECT_FALSE(Error().is(ParseErrc::truncated));
}

TEST(Error, ToString) {
  EXPECT_EQ(Error(ParseErrc::bad_magic, "magic 3").to_string(), "parse error 2: magic 3");
  EXPECT_EQ(Error().to_string(), "");
}

TEST(Error, WithContextPrefixesAndKeepsTheCode) {
  const Error inner(DiskErrc::truncated, "short read");
  const Error outer = inner.with_context("orders-3").with_context("segment 00000000000000000042");
  EXPECT_EQ(outer.message(), "segment 00000000000000000042: orders-3: short read");
  EXPECT_TRUE(outer.is(DiskErrc::truncated));
  EXPECT_EQ(inner.message(), "short read");  // the original is untouched
}

}  // namespace
}  // namespace strata
