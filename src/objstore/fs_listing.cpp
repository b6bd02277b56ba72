#include "objstore/fs_listing.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "objstore/fs_io.h"
#include "objstore/fs_layout.h"
#include "objstore/fs_object_file.h"

namespace strata::objstore {

namespace {

constexpr char kTokenAfterKey = 'k';
constexpr char kTokenAfterPrefix = 'p';

// Everything at or before the bound was returned by earlier pages (or this one) or skipped.
struct Bound {
  enum class Kind { none, after_key, after_prefix };
  Kind kind = Kind::none;
  std::string value;
};

result<Bound> decode_token(std::string_view token) {
  if (token.empty()) return Bound{};
  const std::string_view value = token.substr(1);
  if (value.empty() || value.size() > kMaxKeySize) {
    return Error(ObjstoreErrc::invalid_argument, "the continuation token is not one this store issued");
  }
  if (token.front() == kTokenAfterKey) return Bound{Bound::Kind::after_key, std::string(value)};
  if (token.front() == kTokenAfterPrefix) return Bound{Bound::Kind::after_prefix, std::string(value)};
  return Error(ObjstoreErrc::invalid_argument, "the continuation token is not one this store issued");
}

std::string encode_token(const Bound& bound) {
  const char tag = bound.kind == Bound::Kind::after_key ? kTokenAfterKey : kTokenAfterPrefix;
  return tag + bound.value;
}

// Whether key k comes after the bound.
bool after(const Bound& bound, std::string_view k) {
  switch (bound.kind) {
    case Bound::Kind::none: return true;
    case Bound::Kind::after_key: return k > bound.value;
    case Bound::Kind::after_prefix: return k > bound.value && !k.starts_with(bound.value);
  }
  return true;
}

// Whether some key starting with `p` can come after the bound.
bool any_after(const Bound& bound, std::string_view p) {
  switch (bound.kind) {
    case Bound::Kind::none: return true;
    // Keys with prefix p lie after t if p > t or if p is a prefix of t (then p + "\xff..." > t).
    case Bound::Kind::after_key: return p > bound.value || std::string_view(bound.value).starts_with(p);
    case Bound::Kind::after_prefix:
      if (p.starts_with(bound.value)) return false;  // all inside the finished common prefix
      return p > bound.value || std::string_view(bound.value).starts_with(p);
  }
  return true;
}

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

struct SortedEntry {
  std::string sort_key;  // the component, plus '/' for a directory
  std::string name;      // on disk
  fslayout::EntryKind kind;
};

class Walker {
 public:
  Walker(const ListOptions& options, Bound bound) : options_(options), bound_(std::move(bound)) {}

  // Walks one directory whose keys start with key_prefix. Returns true once the page is complete
  // and another item was seen after it.
  result<bool> walk(int dir_fd, const std::filesystem::path& dir_path, const std::string& key_prefix);

  ListPage take_page() { return std::move(page_); }

 private:
  result<std::vector<SortedEntry>> read_sorted(DIR* dir, const std::filesystem::path& dir_path);
  bool page_full() const { return emitted_ == options_.max_keys; }
  // Called when an item qualifies but the page is full: it proves that more follows.
  bool stop_with_more() {
    page_.continuation = encode_token(bound_);
    return true;
  }

  const ListOptions& options_;
  Bound bound_;
  ListPage page_;
  uint32_t emitted_ = 0;
};

result<std::vector<SortedEntry>> Walker::read_sorted(DIR* dir, const std::filesystem::path& dir_path) {
  std::vector<SortedEntry> entries;
  errno = 0;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = e->d_type == DT_DIR;
    bool is_file = e->d_type == DT_REG;
    if (e->d_type == DT_UNKNOWN) {  // some filesystems do not fill d_type
      struct stat st {};
      if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      is_dir = S_ISDIR(st.st_mode);
      is_file = S_ISREG(st.st_mode);
    }
    if (!is_dir && !is_file) continue;  // symlinks, sockets...: not ours
    fslayout::Entry entry = fslayout::classify(name, is_dir);
    if (entry.kind == fslayout::EntryKind::foreign) continue;
    if (entry.kind == fslayout::EntryKind::directory) entry.component += '/';
    entries.push_back(SortedEntry{std::move(entry.component), std::string(name), entry.kind});
  }
  if (errno != 0) return fsio::errno_error(errno, fmt::format("read directory {}", dir_path.string()));
  // std::string compares as unsigned bytes: the bytewise key order.
  std::sort(entries.begin(), entries.end(),
            [](const SortedEntry& a, const SortedEntry& b) { return a.sort_key < b.sort_key; });
  return entries;
}

result<bool> Walker::walk(int dir_fd, const std::filesystem::path& dir_path, const std::string& key_prefix) {
  DirPtr dir(::fdopendir(dir_fd));
  if (!dir) {
    const int err = errno;
    ::close(dir_fd);
    return fsio::errno_error(err, fmt::format("open directory {}", dir_path.string()));
  }
  STRATA_TRY_ASSIGN(std::vector<SortedEntry> entries, read_sorted(dir.get(), dir_path));
  const std::string& prefix = options_.prefix;
  for (const SortedEntry& entry : entries) {
    const std::string key = key_prefix + entry.sort_key;  // a directory's ends with '/'
    const std::filesystem::path path = dir_path / entry.name;
    if (entry.kind == fslayout::EntryKind::directory) {
      const bool matches_prefix = key.starts_with(prefix) || prefix.starts_with(key);
      if (!matches_prefix || !any_after(bound_, key)) continue;
      const int sub_fd =
          ::openat(::dirfd(dir.get()), entry.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub_fd < 0) {
        if (errno == ENOENT) continue;  // emptied and removed by a concurrent delete
        return fsio::errno_error(errno, fmt::format("open directory {}", path.string()));
      }
      STRATA_TRY_ASSIGN(bool stop, walk(sub_fd, path, key));
      if (stop) return true;
      continue;
    }
    if (!key.starts_with(prefix) || !after(bound_, key)) continue;
    if (!options_.delimiter.empty()) {
      const size_t at = key.find(options_.delimiter, prefix.size());
      if (at != std::string::npos) {
        if (page_full()) return stop_with_more();
        page_.common_prefixes.push_back(key.substr(0, at + options_.delimiter.size()));
        bound_ = Bound{Bound::Kind::after_prefix, page_.common_prefixes.back()};
        ++emitted_;
        continue;
      }
    }
    if (page_full()) return stop_with_more();
    result<ObjectFileReader> reader = ObjectFileReader::open_at(::dirfd(dir.get()), entry.name, path);
    if (!reader) {
      if (reader.error().is(ObjstoreErrc::not_found)) continue;  // deleted meanwhile
      return reader.error().with_context(fmt::format("list: object '{}'", key));
    }
    page_.objects.push_back(reader->info(key));
    bound_ = Bound{Bound::Kind::after_key, key};
    ++emitted_;
  }
  return false;
}

}  // namespace

result<ListPage> list_objects_tree(const std::filesystem::path& objects_root, const ListOptions& options) {
  STRATA_TRY_ASSIGN(Bound bound, decode_token(options.continuation));
  const int root_fd = ::open(objects_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return fsio::errno_error(errno, fmt::format("open directory {}", objects_root.string()));
  Walker walker(options, std::move(bound));
  STRATA_TRY(walker.walk(root_fd, objects_root, ""));
  return walker.take_page();
}

}  // namespace strata::objstore
