// Java's Properties.load rules, as Kafka reads server.properties.
#include "cluster/properties.h"

#include <gtest/gtest.h>

namespace strata::cluster {
namespace {

std::map<std::string, std::string> parse(std::string_view text) {
  auto r = parse_properties(text, "test.properties");
  EXPECT_TRUE(r) << r.error().to_string();
  return r ? *r : std::map<std::string, std::string>{};
}

TEST(Properties, SeparatorsCommentsAndWhitespace) {
  auto p = parse(
      "# a comment\n"
      "! another\n"
      "\n"
      "   node.id=3\n"
      "listeners : PLAINTEXT://127.0.0.1:9092\n"
      "log.dirs /tmp/a,/tmp/b\n"
      "empty=\n"
      "key.only\n"
      "spaces.around   =   v  \n");
  EXPECT_EQ(p.at("node.id"), "3");
  EXPECT_EQ(p.at("listeners"), "PLAINTEXT://127.0.0.1:9092");
  EXPECT_EQ(p.at("log.dirs"), "/tmp/a,/tmp/b");
  EXPECT_EQ(p.at("empty"), "");
  EXPECT_EQ(p.at("key.only"), "");
  EXPECT_EQ(p.at("spaces.around"), "v  ");  // Java keeps trailing whitespace of values
  EXPECT_EQ(p.size(), 6u);
}

TEST(Properties, ContinuationsEscapesAndLastDuplicateWins) {
  auto p = parse(
      "log.dirs=/data/one,\\\n"
      "         /data/two\n"
      "path=C:\\\\kafka\n"
      "tab=a\\tb\n"
      "unicode=\\u00e9\n"
      "key\\=with\\:seps=1\n"
      "dup=first\r\n"
      "dup=second\n"
      "even=ends\\\\\n"
      "next=line\n");
  EXPECT_EQ(p.at("log.dirs"), "/data/one,/data/two");
  EXPECT_EQ(p.at("path"), "C:\\kafka");
  EXPECT_EQ(p.at("tab"), "a\tb");
  EXPECT_EQ(p.at("unicode"), "\xc3\xa9");
  EXPECT_EQ(p.at("key=with:seps"), "1");
  EXPECT_EQ(p.at("dup"), "second");
  EXPECT_EQ(p.at("even"), "ends\\");  // an even number of backslashes does not continue
  EXPECT_EQ(p.at("next"), "line");
}

TEST(Properties, MalformedUnicodeEscapeNamesTheLine) {
  auto r = parse_properties("a=1\nb=\\u12g4\n", "server.properties");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ClusterErrc::invalid_config));
  EXPECT_NE(r.error().message().find("server.properties:2"), std::string::npos) << r.error().message();
}

TEST(Properties, MissingFileIsAnIoError) {
  auto r = read_properties_file("/nonexistent/server.properties");
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().is(ClusterErrc::io_error));
}

}  // namespace
}  // namespace strata::cluster
