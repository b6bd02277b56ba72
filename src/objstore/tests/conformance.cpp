#include "objstore/tests/conformance.h"

#include <algorithm>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/crc32c.h"
#include "objstore/coro_support.h"

namespace strata::objstore::testing {

namespace {

constexpr size_t KiB = 1024;
constexpr size_t MiB = 1024 * KiB;

bytes_view view(std::string_view s) { return as_bytes_view(s); }

std::string to_string(const bytes& b) { return std::string(as_string_view(b)); }

std::string pattern_string(uint64_t seed, size_t size) { return to_string(pattern(seed, 0, size)); }

}  // namespace

void ObjectStoreConformance::SetUp() {
  sut_ = GetParam().make();
  ASSERT_NE(sut_, nullptr);
}

void ObjectStoreConformance::TearDown() { sut_.reset(); }

result<ObjectInfo> ObjectStoreConformance::put(const std::string& key, std::string_view content, PutOptions options) {
  return run(store().put(key, view(content), std::move(options)));
}

result<std::string> ObjectStoreConformance::get(const std::string& key, std::optional<ByteRange> range) {
  result<bytes> got = run(get_bytes(store(), key, range));
  if (!got) return got.error();
  return to_string(*got);
}

ListPage ObjectStoreConformance::list_all(ListOptions options, size_t* pages) {
  ListPage all;
  size_t count = 0;
  while (true) {
    result<ListPage> page = run(store().list(options));
    if (!page) {
      ADD_FAILURE() << "list failed: " << page.error().to_string();
      break;
    }
    ++count;
    EXPECT_LE(page->objects.size() + page->common_prefixes.size(), options.max_keys);
    all.objects.insert(all.objects.end(), page->objects.begin(), page->objects.end());
    all.common_prefixes.insert(all.common_prefixes.end(), page->common_prefixes.begin(), page->common_prefixes.end());
    if (!page->truncated()) break;
    options.continuation = page->continuation;
  }
  if (pages != nullptr) *pages = count;
  return all;
}

std::vector<std::string> ObjectStoreConformance::keys_of(const ListPage& page) {
  std::vector<std::string> keys;
  for (const ObjectInfo& o : page.objects) keys.push_back(o.key);
  return keys;
}

// ---- put / get / head ----

TEST_P(ObjectStoreConformance, PutThenGetReturnsIdenticalBytesForEverySize) {
  // Sizes around the 64 KiB checksum block of the filesystem backend and S3's 5 MiB part floor.
  const std::vector<size_t> sizes = {0, 1, 4 * KiB - 1, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, MiB + 3, 5 * MiB + 1};
  for (size_t size : sizes) {
    SCOPED_TRACE(size);
    const std::string key = "sizes/" + std::to_string(size);
    const std::string content = pattern_string(size, size);
    result<ObjectInfo> put_info = put(key, content);
    ASSERT_OK(put_info);
    EXPECT_EQ(put_info->key, key);
    EXPECT_EQ(put_info->size, size);
    if (put_info->crc32c) {
      EXPECT_EQ(*put_info->crc32c, crc32c::compute(view(content)));
    }

    result<std::string> got = get(key);
    ASSERT_OK(got);
    EXPECT_TRUE(*got == content) << "bytes differ";

    result<ObjectInfo> head = run(store().head(key));
    ASSERT_OK(head);
    EXPECT_EQ(head->size, size);
    EXPECT_EQ(head->etag, put_info->etag);
    EXPECT_EQ(head->crc32c, put_info->crc32c);
  }
}

TEST_P(ObjectStoreConformance, GetReportsTheObjectAndTheDeliveredRange) {
  const std::string content = pattern_string(1, 1000);
  ASSERT_OK(put("obj", content, PutOptions{Metadata{{"kind", "segment"}}, false}));
  std::string received;
  Sink sink = [&](bytes_view chunk) -> asio::awaitable<result<void>> {
    received += as_string_view(chunk);
    co_return success();
  };
  result<GetResult> got = run(store().get("obj", sink, GetOptions{ByteRange{10, 20}}));
  ASSERT_OK(got);
  EXPECT_EQ(got->offset, 10u);
  EXPECT_EQ(got->length, 20u);
  EXPECT_EQ(got->object.size, 1000u);
  EXPECT_EQ(got->object.metadata, (Metadata{{"kind", "segment"}}));
  EXPECT_EQ(received, content.substr(10, 20));
}

TEST_P(ObjectStoreConformance, OverwriteReplacesContentAndEtag) {
  result<ObjectInfo> first = put("k", "first version");
  ASSERT_OK(first);
  result<ObjectInfo> second = put("k", "second, longer version");
  ASSERT_OK(second);
  EXPECT_NE(first->etag, second->etag);
  EXPECT_EQ(get("k").value(), "second, longer version");
  EXPECT_EQ(run(store().head("k"))->size, std::string("second, longer version").size());
}

TEST_P(ObjectStoreConformance, MetadataRoundTripsThroughHeadAndGet) {
  const Metadata metadata{{"base_offset", "42"}, {"epoch", "7"}, {"topic_id", "AAAAAAAAAAAAAAAAAAAAAA"}};
  ASSERT_OK(put("with-metadata", "data", PutOptions{metadata, false}));
  result<ObjectInfo> head = run(store().head("with-metadata"));
  ASSERT_OK(head);
  EXPECT_EQ(head->metadata, metadata);

  ASSERT_OK(put("without-metadata", "data"));
  EXPECT_TRUE(run(store().head("without-metadata"))->metadata.empty());
}

TEST_P(ObjectStoreConformance, InvalidMetadataIsRejectedAndNothingIsWritten) {
  const std::vector<Metadata> bad = {
      {{"Upper", "x"}},                             // not lower case
      {{"1digit", "x"}},                            // starts with a digit
      {{"dash-ed", "x"}},                           // not an identifier (Azure)
      {{"strata_crc", "x"}},                        // reserved prefix
      {{"k", "line\nbreak"}},                       // not printable ASCII
      {{"k", std::string(kMaxMetadataSize, 'v')}},  // too large
  };
  for (const Metadata& m : bad) {
    EXPECT_OBJSTORE_ERROR(put("m", "data", PutOptions{m, false}), ObjstoreErrc::invalid_argument);
  }
  EXPECT_OBJSTORE_ERROR(run(store().head("m")), ObjstoreErrc::not_found);
}

// ---- ranges ----

TEST_P(ObjectStoreConformance, RangedGetsReturnExactlyTheRequestedBytes) {
  constexpr size_t kSize = 200'000;  // several 64 KiB blocks, the last one partial
  const std::string content = pattern_string(7, kSize);
  ASSERT_OK(put("ranged", content));
  struct Case {
    uint64_t offset;
    uint64_t length;
  };
  const std::vector<Case> cases = {
      {0, 1},                        // start
      {0, 100},                      // start
      {64 * KiB - 1, 2},             // across a block boundary
      {100'000, 50'000},             // middle, several blocks
      {kSize - 1, 1},                // last byte
      {kSize - 10, 10},              // end
      {kSize - 10, 100},             // runs past the end: cut at the end
      {123'456, ByteRange::kToEnd},  // to the end
      {0, kSize},                    // all of it, as a range
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.offset << "+" << c.length);
    result<std::string> got = get("ranged", ByteRange{c.offset, c.length});
    ASSERT_OK(got);
    EXPECT_TRUE(*got == content.substr(c.offset, c.length)) << "bytes differ";
  }
}

TEST_P(ObjectStoreConformance, RangeStartingAtOrPastTheEndIsInvalidRange) {
  ASSERT_OK(put("short", "0123456789"));
  EXPECT_OBJSTORE_ERROR(get("short", ByteRange{10, 1}), ObjstoreErrc::invalid_range);
  EXPECT_OBJSTORE_ERROR(get("short", ByteRange{11, 5}), ObjstoreErrc::invalid_range);
  EXPECT_OBJSTORE_ERROR(get("short", ByteRange::from(1'000'000)), ObjstoreErrc::invalid_range);
  EXPECT_OBJSTORE_ERROR(get("short", ByteRange{0, 0}), ObjstoreErrc::invalid_argument);

  ASSERT_OK(put("empty", ""));
  EXPECT_EQ(get("empty").value(), "");
  EXPECT_OBJSTORE_ERROR(get("empty", ByteRange::from(0)), ObjstoreErrc::invalid_range);
}

TEST_P(ObjectStoreConformance, ReadFillsTheCallerBuffer) {
  const std::string content = pattern_string(3, 100'000);
  ASSERT_OK(put("read-me", content));
  bytes buffer(1000);
  result<uint64_t> n = run(store().read("read-me", 70'000, buffer));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 1000u);
  EXPECT_EQ(to_string(buffer), content.substr(70'000, 1000));

  // Near the end: fewer bytes than the buffer holds.
  n = run(store().read("read-me", 99'500, buffer));
  ASSERT_OK(n);
  EXPECT_EQ(*n, 500u);
  EXPECT_EQ(std::string(as_string_view(bytes_view(buffer).first(500))), content.substr(99'500));

  EXPECT_OBJSTORE_ERROR(run(store().read("read-me", 100'000, buffer)), ObjstoreErrc::invalid_range);
  EXPECT_OBJSTORE_ERROR(run(store().read("missing", 0, buffer)), ObjstoreErrc::not_found);
  EXPECT_OBJSTORE_ERROR(run(store().read("read-me", 0, std::span<std::byte>())), ObjstoreErrc::invalid_argument);
}

// ---- errors ----

TEST_P(ObjectStoreConformance, MissingKeyIsTypedNotFound) {
  ASSERT_OK(put("dir/inside", "x"));
  for (const std::string key : {"missing", "dir", "dir/inside/deeper", "dir/other"}) {
    SCOPED_TRACE(key);
    EXPECT_OBJSTORE_ERROR(get(key), ObjstoreErrc::not_found);
    EXPECT_OBJSTORE_ERROR(run(store().head(key)), ObjstoreErrc::not_found);
  }
}

TEST_P(ObjectStoreConformance, InvalidKeysAreRejectedBeforeReachingTheStore) {
  const std::vector<std::string> bad = {
      "",
      "/absolute",
      "trailing/",
      "double//slash",
      "..",
      "a/../b",
      "./a",
      "a/.",
      std::string("nul\0byte", 8),
      "tab\there",
      "\xff\xfe not utf-8",
      std::string(kMaxKeySize + 1, 'k'),
  };
  for (const std::string& key : bad) {
    SCOPED_TRACE(::testing::PrintToString(key));
    EXPECT_OBJSTORE_ERROR(put(key, "x"), ObjstoreErrc::invalid_argument);
    EXPECT_OBJSTORE_ERROR(get(key), ObjstoreErrc::invalid_argument);
    EXPECT_OBJSTORE_ERROR(run(store().head(key)), ObjstoreErrc::invalid_argument);
    EXPECT_OBJSTORE_ERROR(run(store().remove(key)), ObjstoreErrc::invalid_argument);
    EXPECT_OBJSTORE_ERROR(run(store().start_upload(key)), ObjstoreErrc::invalid_argument);
  }
  EXPECT_TRUE(list_all(ListOptions{}).objects.empty());
}

// ---- listing ----

TEST_P(ObjectStoreConformance, ListReturnsKeysInBytewiseOrder) {
  // '!' < '%' < '.' < '/' < '0' < 'B' < 'a' < '~' < UTF-8 lead bytes.
  std::vector<std::string> keys = {"a", "a!",        "a%b", "a.b",  "a/b",  "a/b/c", "a0",
                                   "B", "a\xc3\xa9", "z~",  "a/b!", "a/b0", "%",     "a/%25"};
  for (const std::string& key : keys) ASSERT_OK(put(key, key));
  std::sort(keys.begin(), keys.end());  // std::string orders bytes as unsigned
  const ListPage all = list_all(ListOptions{});
  EXPECT_EQ(keys_of(all), keys);
  EXPECT_TRUE(all.common_prefixes.empty());
  for (const ObjectInfo& o : all.objects) {
    EXPECT_EQ(o.size, o.key.size()) << o.key;
    EXPECT_FALSE(o.etag.empty()) << o.key;
  }
}

TEST_P(ObjectStoreConformance, ListWithPrefixAndDelimiterRollsUpCommonPrefixes) {
  for (const std::string key :
       {"t/0/a", "t/0/b", "t/1/a", "t/1/sub/x", "t/file1", "t/file2", "t/2", "t/2/x", "u/other", "t-sibling"}) {
    ASSERT_OK(put(key, "x"));
  }
  ListPage page = list_all(listing("t/", "/"));
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"t/2", "t/file1", "t/file2"}));
  EXPECT_EQ(page.common_prefixes, (std::vector<std::string>{"t/0/", "t/1/", "t/2/"}));

  page = list_all(listing("", "/"));
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"t-sibling"}));
  EXPECT_EQ(page.common_prefixes, (std::vector<std::string>{"t/", "u/"}));

  // A prefix that ends inside a component, without a delimiter: everything under it.
  page = list_all(listing("t/1"));
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"t/1/a", "t/1/sub/x"}));
  EXPECT_TRUE(page.common_prefixes.empty());

  page = list_all(listing("t/1/", "/"));
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"t/1/a"}));
  EXPECT_EQ(page.common_prefixes, (std::vector<std::string>{"t/1/sub/"}));

  // A delimiter other than '/'.
  page = list_all(listing("t/", "e"));
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"t/0/a", "t/0/b", "t/1/a", "t/1/sub/x", "t/2", "t/2/x"}));
  EXPECT_EQ(page.common_prefixes, (std::vector<std::string>{"t/file"}));

  EXPECT_TRUE(list_all(listing("nothing/")).objects.empty());
}

TEST_P(ObjectStoreConformance, PaginationReturnsEveryKeyOnceInOrderThenBatchDeleteRemovesThemAll) {
  const size_t n = GetParam().pagination_keys;
  std::vector<std::string> keys;
  for (size_t i = 0; i < n; ++i) keys.push_back(fmt::format("pages/{:06}", i * 7919 % n));  // written out of order
  // Written by a few concurrent writers, as a broker would.
  constexpr size_t kWriters = 16;
  size_t next = 0;
  std::optional<Error> failure;
  for (size_t w = 0; w < kWriters; ++w) {
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          while (next < keys.size() && !failure) {
            const std::string& key = keys[next++];
            result<ObjectInfo> r = co_await store().put(key, view(key));
            if (!r) failure = r.error();
          }
        },
        asio::detached);
  }
  io_.restart();
  io_.run();
  ASSERT_FALSE(failure) << failure->to_string();
  std::sort(keys.begin(), keys.end());

  size_t pages = 0;
  ListPage all = list_all(listing("pages/", "", kMaxListKeys), &pages);
  EXPECT_EQ(keys_of(all), keys);
  EXPECT_EQ(pages, (n + kMaxListKeys - 1) / kMaxListKeys);

  // Small pages agree with large ones.
  EXPECT_EQ(keys_of(list_all(listing("pages/", "", 333))), keys);

  result<std::vector<DeleteFailure>> failures = run(store().remove_batch(keys));
  ASSERT_OK(failures);
  EXPECT_TRUE(failures->empty());
  EXPECT_TRUE(list_all(listing("pages/")).objects.empty());
}

TEST_P(ObjectStoreConformance, PaginationAcrossCommonPrefixesReturnsEachOnce) {
  std::vector<std::string> expected_prefixes;
  std::vector<std::string> expected_keys;
  for (int p = 0; p < 30; ++p) {
    const std::string prefix = fmt::format("g/{:02}/", p);
    expected_prefixes.push_back(prefix);
    for (int k = 0; k < 3; ++k) ASSERT_OK(put(prefix + fmt::format("k{}", k), "x"));
    if (p % 3 == 0) {
      expected_keys.push_back(fmt::format("g/{:02}", p));  // a key that is also a prefix's stem
      ASSERT_OK(put(expected_keys.back(), "x"));
    }
  }
  std::sort(expected_keys.begin(), expected_keys.end());
  size_t pages = 0;
  ListPage all = list_all(listing("g/", "/", 7), &pages);
  EXPECT_EQ(all.common_prefixes, expected_prefixes);
  EXPECT_EQ(keys_of(all), expected_keys);
  EXPECT_EQ(pages, (expected_prefixes.size() + expected_keys.size() + 6) / 7);
}

TEST_P(ObjectStoreConformance, BadListArgumentsAreRejected) {
  EXPECT_OBJSTORE_ERROR(run(store().list(listing("", "", 0))), ObjstoreErrc::invalid_argument);
  ListOptions bad_token = listing("");
  bad_token.continuation = "not a token";
  EXPECT_OBJSTORE_ERROR(run(store().list(bad_token)), ObjstoreErrc::invalid_argument);
}

// ---- streamed uploads and gets ----

TEST_P(ObjectStoreConformance, LargeObjectStreamsThroughUploadAndGetWithBoundedChunks) {
  const uint64_t size = GetParam().large_object_size;
  constexpr uint64_t kSeed = 64;
  // Uneven pieces, so that writes straddle block and part boundaries.
  constexpr size_t kPiece = MiB + 13;
  result<ObjectInfo> info = run([&]() -> asio::awaitable<result<ObjectInfo>> {
    OBJSTORE_CO_TRY_ASSIGN(std::unique_ptr<Upload> upload, co_await store().start_upload("big/object"));
    bytes piece;
    for (uint64_t offset = 0; offset < size; offset += kPiece) {
      piece.resize(std::min<uint64_t>(kPiece, size - offset));
      fill_pattern(kSeed, offset, piece);
      OBJSTORE_CO_TRY(co_await upload->write(piece));
    }
    EXPECT_EQ(upload->bytes_written(), size);
    co_return co_await upload->complete();
  }());
  ASSERT_OK(info);
  EXPECT_EQ(info->size, size);

  uint64_t received = 0;
  size_t largest_chunk = 0;
  bool same = true;
  const auto loop_thread = std::this_thread::get_id();
  bool on_loop = true;
  bytes expected;
  Sink check = [&](bytes_view chunk) -> asio::awaitable<result<void>> {
    on_loop = on_loop && std::this_thread::get_id() == loop_thread;
    expected.resize(chunk.size());
    fill_pattern(kSeed, received, expected);
    same = same && equal_bytes(chunk, expected);
    received += chunk.size();
    largest_chunk = std::max(largest_chunk, chunk.size());
    co_return success();
  };
  result<GetResult> got = run(store().get("big/object", check));
  ASSERT_OK(got);
  EXPECT_EQ(received, size);
  EXPECT_TRUE(same) << "the streamed bytes differ from what was uploaded";
  EXPECT_TRUE(on_loop) << "the sink ran off the caller's event loop";
  // Streamed: no chunk is anywhere near the whole object.
  EXPECT_LE(largest_chunk, 16 * MiB);
  EXPECT_LT(largest_chunk, size);
}

TEST_P(ObjectStoreConformance, UploadIsInvisibleUntilComplete) {
  result<std::unique_ptr<Upload>> upload = run(store().start_upload("up/key"));
  ASSERT_OK(upload);
  ASSERT_OK(run((*upload)->write(view("part one, "))));
  ASSERT_OK(run((*upload)->write(view(""))));
  ASSERT_OK(run((*upload)->write(view("part two"))));
  EXPECT_OBJSTORE_ERROR(run(store().head("up/key")), ObjstoreErrc::not_found);
  EXPECT_TRUE(list_all(ListOptions{}).objects.empty());
  ASSERT_OK(run((*upload)->complete()));
  EXPECT_EQ(get("up/key").value(), "part one, part two");
  // Finished: further writes are refused, abort is a no-op.
  EXPECT_OBJSTORE_ERROR(run((*upload)->write(view("more"))), ObjstoreErrc::invalid_argument);
  EXPECT_OK(run((*upload)->abort()));
  EXPECT_EQ(get("up/key").value(), "part one, part two");
}

TEST_P(ObjectStoreConformance, AbortedOrAbandonedUploadLeavesNothing) {
  ASSERT_OK(put("keep", "old content"));
  {
    result<std::unique_ptr<Upload>> upload = run(store().start_upload("keep"));
    ASSERT_OK(upload);
    ASSERT_OK(run((*upload)->write(view("new content that is abandoned"))));
    ASSERT_OK(run((*upload)->abort()));
    EXPECT_OK(run((*upload)->abort()));  // idempotent
    EXPECT_OBJSTORE_ERROR(run((*upload)->complete()), ObjstoreErrc::invalid_argument);
  }
  {
    result<std::unique_ptr<Upload>> upload = run(store().start_upload("never"));
    ASSERT_OK(upload);
    ASSERT_OK(run((*upload)->write(view("dropped"))));
    // Destroyed without complete() or abort().
  }
  EXPECT_EQ(get("keep").value(), "old content");
  EXPECT_OBJSTORE_ERROR(run(store().head("never")), ObjstoreErrc::not_found);
  EXPECT_EQ(keys_of(list_all(ListOptions{})), (std::vector<std::string>{"keep"}));
}

TEST_P(ObjectStoreConformance, SinkErrorStopsTheGetWithThatError) {
  ASSERT_OK(put("two-chunks", pattern_string(5, 3 * MiB)));
  int calls = 0;
  Sink refuse = [&](bytes_view) -> asio::awaitable<result<void>> {
    ++calls;
    co_return Error(ObjstoreErrc::permanent, "the caller's disk is full");
  };
  result<GetResult> got = run(store().get("two-chunks", refuse));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message(), "the caller's disk is full");
  EXPECT_EQ(calls, 1);
}

// ---- deletes ----

TEST_P(ObjectStoreConformance, DeleteRemovesTheKeyAndDeletingAMissingKeySucceeds) {
  ASSERT_OK(put("d/a/b/c", "x"));
  ASSERT_OK(put("d/keep", "y"));
  ASSERT_OK(run(store().remove("d/a/b/c")));
  EXPECT_OBJSTORE_ERROR(run(store().head("d/a/b/c")), ObjstoreErrc::not_found);
  // No empty "directory" is left behind as a common prefix.
  ListPage page = list_all(listing("d/", "/"));
  EXPECT_EQ(keys_of(page), (std::vector<std::string>{"d/keep"}));
  EXPECT_TRUE(page.common_prefixes.empty());

  EXPECT_OK(run(store().remove("d/a/b/c")));
  EXPECT_OK(run(store().remove("never/existed")));
}

TEST_P(ObjectStoreConformance, BatchDeleteRemovesExactlyTheGivenKeys) {
  std::vector<std::string> all;
  for (int i = 0; i < 12; ++i) {
    all.push_back(fmt::format("b/{:02}", i));
    ASSERT_OK(put(all.back(), "x"));
  }
  std::vector<std::string> doomed = {"b/00", "b/03", "b/04", "b/07", "b/10", "b/11", "b/missing", "other/missing"};
  result<std::vector<DeleteFailure>> failures = run(store().remove_batch(doomed));
  ASSERT_OK(failures);
  EXPECT_TRUE(failures->empty());
  EXPECT_EQ(keys_of(list_all(ListOptions{})),
            (std::vector<std::string>{"b/01", "b/02", "b/05", "b/06", "b/08", "b/09"}));
  EXPECT_OK(run(store().remove_batch({})));
}

// ---- conditional create ----

TEST_P(ObjectStoreConformance, ConditionalCreateFailsWhenTheKeyExists) {
  const PutOptions create_only{Metadata{}, true};
  result<ObjectInfo> first = put("manifest", "epoch 1", create_only);
  ASSERT_OK(first);
  EXPECT_OBJSTORE_ERROR(put("manifest", "epoch 2", create_only), ObjstoreErrc::precondition_failed);
  EXPECT_EQ(get("manifest").value(), "epoch 1");
  EXPECT_EQ(run(store().head("manifest"))->etag, first->etag);

  // Through a streamed upload, checked at completion.
  result<std::unique_ptr<Upload>> upload = run(store().start_upload("manifest", create_only));
  ASSERT_OK(upload);
  ASSERT_OK(run((*upload)->write(view("epoch 3"))));
  EXPECT_OBJSTORE_ERROR(run((*upload)->complete()), ObjstoreErrc::precondition_failed);
  EXPECT_EQ(get("manifest").value(), "epoch 1");

  ASSERT_OK(run(store().remove("manifest")));
  ASSERT_OK(put("manifest", "epoch 4", create_only));
  EXPECT_EQ(get("manifest").value(), "epoch 4");
}

TEST_P(ObjectStoreConformance, ConcurrentConditionalCreatesHaveExactlyOneWinner) {
  constexpr int kWriters = 8;
  std::vector<std::optional<result<ObjectInfo>>> outcomes(kWriters);
  std::vector<std::string> contents;
  for (int i = 0; i < kWriters; ++i) contents.push_back("writer " + std::to_string(i));
  const PutOptions create_only{Metadata{}, true};  // named: see coro_support.h
  for (int i = 0; i < kWriters; ++i) {
    asio::co_spawn(
        io_,
        [&, i]() -> asio::awaitable<void> {
          outcomes[i] = co_await store().put("leader", view(contents[i]), create_only);
        },
        asio::detached);
  }
  io_.restart();
  io_.run();
  int winner = -1;
  for (int i = 0; i < kWriters; ++i) {
    ASSERT_TRUE(outcomes[i].has_value());
    if (*outcomes[i]) {
      EXPECT_EQ(winner, -1) << "two writers created the same key";
      winner = i;
    } else {
      EXPECT_OBJSTORE_ERROR(*outcomes[i], ObjstoreErrc::precondition_failed);
    }
  }
  ASSERT_NE(winner, -1);
  EXPECT_EQ(get("leader").value(), contents[winner]);
}

// ---- execution and cancellation ----

TEST_P(ObjectStoreConformance, OperationsCompleteOnTheCallersThread) {
  const auto loop_thread = std::this_thread::get_id();
  bool on_loop = true;
  run([&]() -> asio::awaitable<int> {
    auto check = [&] { on_loop = on_loop && std::this_thread::get_id() == loop_thread; };
    result<ObjectInfo> put_r = co_await store().put("t", view(pattern_string(9, 2 * MiB)));
    check();
    EXPECT_TRUE(put_r);
    Sink sink = [&](bytes_view) -> asio::awaitable<result<void>> {
      check();
      co_return success();
    };
    result<GetResult> get_r = co_await store().get("t", sink);
    check();
    EXPECT_TRUE(get_r);
    result<ObjectInfo> head_r = co_await store().head("t");
    check();
    EXPECT_TRUE(head_r);
    const ListOptions everything;
    result<ListPage> list_r = co_await store().list(everything);
    check();
    EXPECT_TRUE(list_r);
    result<void> remove_r = co_await store().remove("t");
    check();
    EXPECT_TRUE(remove_r);
    co_return 0;
  }());
  EXPECT_TRUE(on_loop) << "an operation resumed its caller on another thread";
}

TEST_P(ObjectStoreConformance, CancelledGetStopsWithCancelled) {
  ASSERT_OK(put("cancel/get", pattern_string(11, 8 * MiB)));
  asio::cancellation_signal signal;
  uint64_t received = 0;
  std::optional<result<GetResult>> outcome;
  Sink cancel_after_first = [&](bytes_view chunk) -> asio::awaitable<result<void>> {
    received += chunk.size();
    signal.emit(asio::cancellation_type::terminal);
    co_return success();
  };
  asio::co_spawn(
      io_, [&]() -> asio::awaitable<void> { outcome = co_await store().get("cancel/get", cancel_after_first); },
      asio::bind_cancellation_slot(signal.slot(), asio::detached));
  io_.restart();
  io_.run();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_OBJSTORE_ERROR(*outcome, ObjstoreErrc::cancelled);
  EXPECT_LT(received, 8 * MiB);
}

TEST_P(ObjectStoreConformance, CancelledUploadLeavesNothing) {
  asio::cancellation_signal signal;
  std::optional<result<void>> write_outcome;
  std::optional<result<ObjectInfo>> complete_outcome;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        // Awaiting more after requesting cancellation: have Asio report it as values, not throw.
        co_await asio::this_coro::throw_if_cancelled(false);
        result<std::unique_ptr<Upload>> upload = co_await store().start_upload("cancel/upload");
        if (!upload) co_return;
        result<void> first = co_await (*upload)->write(view("first part"));
        EXPECT_TRUE(first);
        signal.emit(asio::cancellation_type::terminal);
        write_outcome = co_await (*upload)->write(view("second part"));
        complete_outcome = co_await (*upload)->complete();
      },
      asio::bind_cancellation_slot(signal.slot(), asio::detached));
  io_.restart();
  io_.run();
  ASSERT_TRUE(write_outcome.has_value());
  EXPECT_OBJSTORE_ERROR(*write_outcome, ObjstoreErrc::cancelled);
  ASSERT_TRUE(complete_outcome.has_value());
  EXPECT_OBJSTORE_ERROR(*complete_outcome, ObjstoreErrc::cancelled);  // the failure is sticky
  EXPECT_OBJSTORE_ERROR(run(store().head("cancel/upload")), ObjstoreErrc::not_found);
  EXPECT_TRUE(list_all(ListOptions{}).objects.empty());
}

}  // namespace strata::objstore::testing
