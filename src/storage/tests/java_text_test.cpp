#include "storage/java_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace strata::storage {
namespace {

using Fields = std::vector<std::string_view>;

TEST(JavaText, ParseIntAcceptsWhatIntegerParseIntAccepts) {
  EXPECT_EQ(parse_java_int32("0"), 0);
  EXPECT_EQ(parse_java_int32("42"), 42);
  EXPECT_EQ(parse_java_int32("+42"), 42);
  EXPECT_EQ(parse_java_int32("-42"), -42);
  EXPECT_EQ(parse_java_int32("-0"), 0);
  EXPECT_EQ(parse_java_int32("0007"), 7);
  EXPECT_EQ(parse_java_int32("2147483647"), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(parse_java_int32("-2147483648"), std::numeric_limits<int32_t>::min());
}

TEST(JavaText, ParseIntRejectsWhatIntegerParseIntRejects) {
  for (std::string_view bad : {"", "+", "-", " 1", "1 ", "1\n", "0x10", "1.0", "1e3", "2147483648", "-2147483649",
                               "99999999999999999999", "++1", "--1", "\xd9\xa3" /* Arabic-Indic three */}) {
    EXPECT_EQ(parse_java_int32(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(JavaText, ParseLongCoversTheInt64Range) {
  EXPECT_EQ(parse_java_int64("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parse_java_int64("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(parse_java_int64("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_java_int64("-9223372036854775809"), std::nullopt);
  EXPECT_EQ(parse_java_int64("2147483648"), 2147483648LL);
}

TEST(JavaText, LinesEndLikeBufferedReaderReadLine) {
  EXPECT_EQ(split_java_lines(""), Fields{});
  EXPECT_EQ(split_java_lines("a"), Fields{"a"});
  EXPECT_EQ(split_java_lines("a\n"), Fields{"a"});
  EXPECT_EQ(split_java_lines("a\nb"), (Fields{"a", "b"}));
  EXPECT_EQ(split_java_lines("a\r\nb\r\n"), (Fields{"a", "b"}));
  EXPECT_EQ(split_java_lines("a\rb\r"), (Fields{"a", "b"}));
  EXPECT_EQ(split_java_lines("\n"), Fields{""});
  EXPECT_EQ(split_java_lines("a\n\nb"), (Fields{"a", "", "b"}));
  EXPECT_EQ(split_java_lines("a\n\r\nb"), (Fields{"a", "", "b"}));
  EXPECT_EQ(split_java_lines("a\r\rb"), (Fields{"a", "", "b"}));
}

TEST(JavaText, WhitespaceSplitLikeStringSplit) {
  EXPECT_EQ(split_java_whitespace(""), Fields{""});
  EXPECT_EQ(split_java_whitespace("a"), Fields{"a"});
  EXPECT_EQ(split_java_whitespace("a b c"), (Fields{"a", "b", "c"}));
  EXPECT_EQ(split_java_whitespace("a \t\x0B\f b"), (Fields{"a", "b"}));
  EXPECT_EQ(split_java_whitespace(" a b"), (Fields{"", "a", "b"}));  // leading run: leading empty field
  EXPECT_EQ(split_java_whitespace("a b  "), (Fields{"a", "b"}));     // trailing empty fields dropped
  EXPECT_EQ(split_java_whitespace("   "), Fields{});
}

}  // namespace
}  // namespace strata::storage
