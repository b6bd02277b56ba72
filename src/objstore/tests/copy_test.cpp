// Streamed copies between files and objects (copy.h), against the filesystem store.
#include "objstore/copy.h"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <fstream>

#include "objstore/fs_object_store.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {
namespace {

namespace fs = std::filesystem;
constexpr size_t kMiB = 1024 * 1024;

void write_file(const fs::path& path, const bytes& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return to_bytes(text);
}

class CopyTest : public ::testing::Test {
 protected:
  CopyTest() {
    FsOptions options;
    options.root = dir_.path() / "store";
    options.sync = false;
    store_ = std::move(FsObjectStore::open(options)).value();
  }

  asio::io_context io_;
  asio::thread_pool files_{1};
  TempDir dir_;
  std::unique_ptr<FsObjectStore> store_;
};

TEST_F(CopyTest, UpAndBackByteForByte) {
  const bytes data = pattern(3, 0, 3 * kMiB + 123);
  const fs::path source = dir_.path() / "source.bin";
  write_file(source, data);
  CopyOptions options;
  options.chunk_size = 256 * 1024;
  options.put.metadata["origin"] = "copy_test";
  result<ObjectInfo> up = run(io_, upload_file(*store_, files_, source, "dir/obj.bin", options));
  ASSERT_OK(up);
  EXPECT_EQ(up->size, data.size());
  result<ObjectInfo> head = run(io_, store_->head("dir/obj.bin"));
  ASSERT_OK(head);
  EXPECT_EQ(head->metadata.at("origin"), "copy_test");
  const fs::path target = dir_.path() / "back.bin";
  write_file(target, to_bytes("old contents"));
  result<GetResult> down = run(io_, download_file(*store_, files_, "dir/obj.bin", target));
  ASSERT_OK(down);
  EXPECT_EQ(down->length, data.size());
  EXPECT_TRUE(read_file(target) == data);
}

TEST_F(CopyTest, EmptyFile) {
  const fs::path source = dir_.path() / "empty";
  write_file(source, bytes{});
  ASSERT_OK(run(io_, upload_file(*store_, files_, source, "empty", CopyOptions{})));
  const fs::path target = dir_.path() / "empty.back";
  ASSERT_OK(run(io_, download_file(*store_, files_, "empty", target)));
  EXPECT_EQ(fs::file_size(target), 0u);
}

TEST_F(CopyTest, MissingObjectLeavesTheTargetAlone) {
  const fs::path target = dir_.path() / "keep.txt";
  write_file(target, to_bytes("keep me"));
  EXPECT_OBJSTORE_ERROR(run(io_, download_file(*store_, files_, "no/such/key", target)), ObjstoreErrc::not_found);
  EXPECT_EQ(as_string_view(read_file(target)), "keep me");
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir_.path())) entries += e.path().filename() != "store" ? 1 : 0;
  EXPECT_EQ(entries, 1u);  // no temporary file left beside it
}

TEST_F(CopyTest, SourceMustBeARegularFile) {
  EXPECT_OBJSTORE_ERROR(run(io_, upload_file(*store_, files_, dir_.path(), "k", CopyOptions{})),
                        ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(run(io_, upload_file(*store_, files_, dir_.path() / "missing", "k", CopyOptions{})),
                        ObjstoreErrc::not_found);
  ListOptions all;
  EXPECT_TRUE(run(io_, store_->list(all)).value().objects.empty());
}

}  // namespace
}  // namespace strata::objstore::testing
