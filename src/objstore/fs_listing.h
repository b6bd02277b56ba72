// Listing for the filesystem backend: a walk of the objects tree in key order, with S3's prefix,
// delimiter and pagination semantics. Blocking: runs on the backend's pool.
//
// Order: within a directory, an object file sorts by its component and a directory by its
// component plus '/', which makes a depth-first walk visit keys in bytewise order.
//
// Continuation tokens hold where the previous page ended: "k<key>" (resume after that key) or
// "p<prefix>" (resume after every key starting with that common prefix). Each page re-reads only
// the directories that can hold keys past that point.
#pragma once

#include <filesystem>

#include "base/result.h"
#include "objstore/object_store.h"

namespace strata::objstore {

// One page of keys under `objects_root` (the backend's objects/ directory). options.max_keys is
// within 1..kMaxListKeys.
result<ListPage> list_objects_tree(const std::filesystem::path& objects_root, const ListOptions& options);

}  // namespace strata::objstore
