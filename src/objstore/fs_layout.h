// Where the filesystem backend keeps things under its root directory, and how keys map to paths.
// Spec: docs/formats/objstore-filesystem.md.
//
//   <root>/STRATA-OBJSTORE        marker: this directory is a store, and its layout version
//   <root>/staging/<random>.part  uploads in progress; never visible as objects
//   <root>/objects/...            one file per object, one directory per key prefix
//
// Key "a/b/c" is the file objects/a%d/b%d/c: every component but the last is a directory named
// with the suffix "%d", so that "a/b" (a file "b") and "a/b/c" (a directory "b%d") can both
// exist, as in S3. In names, '%' is written "%25"; since an encoded name has no other '%', no
// encoded component can end in "%d", and file and directory names never collide.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace strata::objstore::fslayout {

inline constexpr std::string_view kMarkerFile = "STRATA-OBJSTORE";
inline constexpr std::string_view kMarkerContents = "strata objstore filesystem layout 1\n";
inline constexpr std::string_view kObjectsDir = "objects";
inline constexpr std::string_view kStagingDir = "staging";
inline constexpr std::string_view kStagingSuffix = ".part";
inline constexpr std::string_view kDirSuffix = "%d";
inline constexpr std::string_view kEscapedPercent = "%25";
// Permissions of what the store creates: readable by the owner's group too, as Kafka's log files.
inline constexpr unsigned kFileMode = 0640;
inline constexpr unsigned kDirectoryMode = 0750;
// NAME_MAX of Linux filesystems: the longest file name, in bytes.
inline constexpr size_t kMaxNameSize = 255;

std::string encode_component(std::string_view component);
// The component encode_component() turned into `name`, or nothing if no component encodes to it.
std::optional<std::string> decode_component(std::string_view name);

// What a name found under objects/ stands for. Anything the layout does not produce (a stray
// file, a symlink, a directory without the suffix) is foreign and ignored.
enum class EntryKind { object, directory, foreign };
struct Entry {
  EntryKind kind = EntryKind::foreign;
  std::string component;  // decoded; for a directory, without the suffix
};
Entry classify(std::string_view name, bool is_directory);

// The path of a (valid) key relative to objects/: "a/b/c" -> "a%d/b%d/c". Fails with
// ObjstoreErrc::invalid_argument when an encoded component is longer than a file name may be.
result<std::string> relative_path(std::string_view key);

}  // namespace strata::objstore::fslayout
