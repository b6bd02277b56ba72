// The XML documents of the Blob service REST API that the backend sends and reads (pugixml):
// error bodies, List Blobs (EnumerationResults), Put Block List and Get Block List. Parsers fail
// with permanent on a document that is not what the service sends; they never throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace strata::objstore {

struct AzureErrorBody {
  std::string code;  // "BlobNotFound"
  std::string message;
};
// The <Error> document of a failed request; nullopt if `text` is not one.
std::optional<AzureErrorBody> parse_azure_error(std::string_view text);

struct AzureListedBlob {
  std::string name;  // with the store's prefix
  uint64_t size = 0;
  std::string etag;
  int64_t last_modified_ms = 0;
};

struct AzureListResult {
  std::vector<AzureListedBlob> blobs;
  std::vector<std::string> prefixes;  // <BlobPrefix><Name>
  std::string next_marker;            // empty on the last page
};
result<AzureListResult> parse_blob_list(std::string_view text);

// <BlockList><Latest>id</Latest>...</BlockList>: commits exactly these blocks, in this order, from
// the blocks this upload sent.
std::string block_list_body(const std::vector<std::string>& block_ids);

struct AzureBlock {
  std::string id;
  uint64_t size = 0;
};
// The <CommittedBlocks> of a Get Block List answer.
result<std::vector<AzureBlock>> parse_committed_blocks(std::string_view text);

// "Tue, 01 Dec 2026 22:00:00 GMT" -> ms since the epoch; 0 if malformed.
int64_t parse_rfc1123_ms(std::string_view text);

}  // namespace strata::objstore
