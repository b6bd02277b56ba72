#include "storage/transaction_index.h"

#include <gtest/gtest.h>

#include "storage/storage_error.h"
#include "storage/tests/test_util.h"

namespace strata::storage {
namespace {

using testing::make_bytes;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

AbortedTxn txn(int64_t producer_id, int64_t first, int64_t last, int64_t lso) {
  return AbortedTxn{ProducerId{producer_id}, Offset{first}, Offset{last}, Offset{lso}};
}

TransactionIndex open_index(const std::filesystem::path& path, int64_t start) {
  auto index = TransactionIndex::open(path, Offset{start});
  if (!index) ADD_FAILURE() << index.error().to_string();
  return std::move(index).value();
}

TEST(TransactionIndex, EntryBytesAreKafkasAbortedTxn) {
  auto encoded = encode_aborted_txn(txn(0x0102030405060708LL, 2, 3, 4));
  EXPECT_EQ(bytes(encoded.begin(), encoded.end()), make_bytes({0, 0,                       // version 0
                                                               1, 2, 3, 4, 5, 6, 7, 8,     // producer id
                                                               0, 0, 0, 0, 0, 0, 0, 2,     // first offset
                                                               0, 0, 0, 0, 0, 0, 0, 3,     // last offset
                                                               0, 0, 0, 0, 0, 0, 0, 4}));  // last stable offset
  EXPECT_EQ(decode_aborted_txn(encoded).value(), txn(0x0102030405060708LL, 2, 3, 4));
  auto negative = encode_aborted_txn(txn(-1, -1, -1, -1));
  EXPECT_EQ(decode_aborted_txn(negative).value(), txn(-1, -1, -1, -1));
  EXPECT_TRUE(decode_aborted_txn(bytes_view(encoded).first(33)).error().is(StorageErrc::invalid_argument));
  encoded[1] = std::byte{1};
  EXPECT_TRUE(decode_aborted_txn(encoded).error().is(StorageErrc::corrupt_index));
}

TEST(TransactionIndex, FileIsCreatedByTheFirstAppend) {
  TempDir dir;
  auto path = dir / "00000000000000000000.txnindex";
  TransactionIndex index = open_index(path, 0);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(index.all_aborted_txns().value().empty());
  EXPECT_TRUE(index.reset());
  EXPECT_TRUE(index.sanity_check());
  EXPECT_TRUE(index.flush());
  EXPECT_FALSE(std::filesystem::exists(path));
  ASSERT_TRUE(index.append(txn(7, 0, 5, 6)));
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(read_bytes(path).size(), 34u);
  EXPECT_EQ(index.size_in_bytes(), 34);
}

TEST(TransactionIndex, AppendReadAndReopen) {
  TempDir dir;
  auto path = dir / "00000000000000000000.txnindex";
  std::vector<AbortedTxn> txns = {txn(0, 0, 10, 11), txn(1, 5, 15, 13), txn(2, 18, 35, 25), txn(3, 32, 50, 40)};
  {
    TransactionIndex index = open_index(path, 0);
    for (const AbortedTxn& t : txns) ASSERT_TRUE(index.append(t));
    EXPECT_EQ(index.last_offset(), Offset{50});
    auto same = index.append(txn(4, 40, 50, 60));
    ASSERT_FALSE(same);
    EXPECT_TRUE(same.error().is(StorageErrc::invalid_offset));
    ASSERT_TRUE(index.close());
  }
  std::vector<std::byte> expected;
  for (const AbortedTxn& t : txns) {
    auto e = encode_aborted_txn(t);
    expected.insert(expected.end(), e.begin(), e.end());
  }
  EXPECT_EQ(read_bytes(path), expected);

  TransactionIndex index = open_index(path, 0);
  EXPECT_EQ(index.all_aborted_txns().value(), txns);
  EXPECT_EQ(index.last_offset(), Offset{50});  // read back from the file
  EXPECT_TRUE(index.append(txn(5, 45, 49, 60)).error().is(StorageErrc::invalid_offset));
  ASSERT_TRUE(index.append(txn(5, 45, 51, 60)));
  EXPECT_EQ(index.all_aborted_txns().value().size(), 5u);
  EXPECT_TRUE(index.sanity_check());
}

TEST(TransactionIndex, CollectAbortedTxnsLikeKafka) {
  TempDir dir;
  TransactionIndex index = open_index(dir / "x.txnindex", 0);
  std::vector<AbortedTxn> txns = {txn(0, 0, 10, 11), txn(1, 5, 15, 13), txn(2, 18, 35, 25), txn(3, 32, 50, 40)};
  for (const AbortedTxn& t : txns) ASSERT_TRUE(index.append(t));

  auto all = index.collect_aborted_txns(Offset{0}, Offset{100}).value();
  EXPECT_EQ(all.aborted_transactions, txns);
  EXPECT_FALSE(all.is_complete);  // no LSO reached 100: later segments may hold more

  // Upper bound 32: txn 3 starts at 32, outside [0, 32); its LSO 40 >= 32 ends the search.
  auto first_three = index.collect_aborted_txns(Offset{0}, Offset{32}).value();
  EXPECT_EQ(first_three.aborted_transactions, std::vector<AbortedTxn>(txns.begin(), txns.begin() + 3));
  EXPECT_TRUE(first_three.is_complete);

  // [11, 16): txn 0 ended at 10; txn 1 (5..15) overlaps; txn 2's LSO 25 >= 16 stops the search.
  auto middle = index.collect_aborted_txns(Offset{11}, Offset{16}).value();
  EXPECT_EQ(middle.aborted_transactions, std::vector<AbortedTxn>{txns[1]});
  EXPECT_TRUE(middle.is_complete);

  // [10, 11): txn 0's last offset 10 is inside, and its LSO 11 >= 11 completes at once.
  auto edge = index.collect_aborted_txns(Offset{10}, Offset{11}).value();
  EXPECT_EQ(edge.aborted_transactions, std::vector<AbortedTxn>{txns[0]});
  EXPECT_TRUE(edge.is_complete);

  auto after = index.collect_aborted_txns(Offset{51}, Offset{100}).value();
  EXPECT_TRUE(after.aborted_transactions.empty());
}

TEST(TransactionIndex, TruncateTo) {
  TempDir dir;
  auto path = dir / "x.txnindex";
  TransactionIndex index = open_index(path, 0);
  for (const AbortedTxn& t : {txn(0, 0, 10, 11), txn(1, 12, 20, 21), txn(2, 22, 30, 31)}) ASSERT_TRUE(index.append(t));
  ASSERT_TRUE(index.truncate_to(Offset{31}));  // nothing at or past 31
  EXPECT_EQ(index.size_in_bytes(), 3 * kAbortedTxnSize);
  ASSERT_TRUE(index.truncate_to(Offset{20}));  // entry ending at 20 goes, and all after it
  EXPECT_EQ(index.size_in_bytes(), kAbortedTxnSize);
  EXPECT_EQ(read_bytes(path).size(), static_cast<size_t>(kAbortedTxnSize));
  EXPECT_EQ(index.last_offset(), Offset{10});
  ASSERT_TRUE(index.append(txn(3, 11, 15, 16)));
  ASSERT_TRUE(index.truncate_to(Offset{0}));
  EXPECT_EQ(index.size_in_bytes(), 0);
  EXPECT_EQ(index.last_offset(), std::nullopt);
  EXPECT_TRUE(std::filesystem::exists(path));
  ASSERT_TRUE(index.append(txn(4, 0, 1, 2)));
  ASSERT_TRUE(index.reset());
  EXPECT_EQ(read_bytes(path).size(), 0u);
}

TEST(TransactionIndex, CorruptFilesAreTypedErrors) {
  TempDir dir;
  {
    TransactionIndex index = open_index(dir / "00000000000000000100.txnindex", 100);
    ASSERT_TRUE(index.append(txn(1, 90, 99, 100)));  // ends before the segment's start offset
    auto check = index.sanity_check();
    ASSERT_FALSE(check);
    EXPECT_TRUE(check.error().is(StorageErrc::corrupt_index));
    EXPECT_NE(check.error().message().find("is less than start offset 100"), std::string::npos);
  }
  {
    auto path = dir / "partial.txnindex";
    auto e = encode_aborted_txn(txn(1, 0, 5, 6));
    bytes data(e.begin(), e.end());
    data.push_back(std::byte{0});  // a torn second entry
    write_bytes(path, data);
    TransactionIndex index = open_index(path, 0);
    EXPECT_EQ(index.last_offset(), Offset{5});
    EXPECT_EQ(index.all_aborted_txns().value(), std::vector<AbortedTxn>{txn(1, 0, 5, 6)});  // Kafka skips it
    EXPECT_TRUE(index.sanity_check().error().is(StorageErrc::corrupt_index));
    EXPECT_TRUE(index.append(txn(2, 7, 8, 9)).error().is(StorageErrc::corrupt_index));
    ASSERT_TRUE(index.reset());  // what recovery does before rebuilding
    ASSERT_TRUE(index.append(txn(2, 7, 8, 9)));
  }
  {
    auto path = dir / "version.txnindex";
    auto e = encode_aborted_txn(txn(1, 0, 5, 6));
    e[0] = std::byte{0x01};
    write_bytes(path, e);
    TransactionIndex index = open_index(path, 0);
    EXPECT_TRUE(index.all_aborted_txns().error().is(StorageErrc::corrupt_index));
    EXPECT_TRUE(index.collect_aborted_txns(Offset{0}, Offset{10}).error().is(StorageErrc::corrupt_index));
    EXPECT_TRUE(index.sanity_check().error().is(StorageErrc::corrupt_index));
  }
}

TEST(TransactionIndex, RenameAndDelete) {
  TempDir dir;
  TransactionIndex empty = open_index(dir / "a.txnindex", 0);
  ASSERT_TRUE(empty.rename_to(dir / "a.txnindex.deleted"));  // no file yet: only the name changes
  EXPECT_EQ(empty.path(), dir / "a.txnindex.deleted");
  EXPECT_FALSE(empty.delete_if_exists().value());

  TransactionIndex index = open_index(dir / "b.txnindex", 0);
  ASSERT_TRUE(index.append(txn(1, 0, 1, 2)));
  ASSERT_TRUE(index.rename_to(dir / "b.txnindex.swap"));
  EXPECT_TRUE(std::filesystem::exists(dir / "b.txnindex.swap"));
  EXPECT_EQ(index.all_aborted_txns().value().size(), 1u);
  EXPECT_TRUE(index.delete_if_exists().value());
  EXPECT_FALSE(std::filesystem::exists(dir / "b.txnindex.swap"));
}

}  // namespace
}  // namespace strata::storage
