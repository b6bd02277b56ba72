#include "objstore/azure_xml.h"

#include <curl/curl.h>

#include <charconv>
#include <pugixml.hpp>

#include "objstore/errc.h"

namespace strata::objstore {

namespace {

Error malformed(std::string_view what) {
  return Error(ObjstoreErrc::permanent, std::string("the Blob service sent a malformed ") + std::string(what));
}

bool load(pugi::xml_document& doc, std::string_view text) {
  return doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
}

bool parse_u64(std::string_view s, uint64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

std::string strip_quotes(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

}  // namespace

std::optional<AzureErrorBody> parse_azure_error(std::string_view text) {
  if (text.empty()) return std::nullopt;
  pugi::xml_document doc;
  if (!load(doc, text)) return std::nullopt;
  const pugi::xml_node error = doc.child("Error");
  if (!error) return std::nullopt;
  return AzureErrorBody{error.child_value("Code"), error.child_value("Message")};
}

result<AzureListResult> parse_blob_list(std::string_view text) {
  pugi::xml_document doc;
  if (!load(doc, text)) return malformed("List Blobs answer");
  const pugi::xml_node root = doc.child("EnumerationResults");
  if (!root) return malformed("List Blobs answer (no EnumerationResults)");
  AzureListResult out;
  const pugi::xml_node blobs = root.child("Blobs");
  for (const pugi::xml_node node : blobs.children()) {
    if (std::string_view(node.name()) == "Blob") {
      AzureListedBlob blob;
      blob.name = node.child_value("Name");
      const pugi::xml_node props = node.child("Properties");
      if (blob.name.empty() || !parse_u64(props.child_value("Content-Length"), blob.size)) {
        return malformed("List Blobs entry");
      }
      blob.etag = strip_quotes(props.child_value("Etag"));
      blob.last_modified_ms = parse_rfc1123_ms(props.child_value("Last-Modified"));
      out.blobs.push_back(std::move(blob));
    } else if (std::string_view(node.name()) == "BlobPrefix") {
      out.prefixes.emplace_back(node.child_value("Name"));
    }
  }
  out.next_marker = root.child_value("NextMarker");
  return out;
}

std::string block_list_body(const std::vector<std::string>& block_ids) {
  // Block ids are base64: nothing in them needs escaping in XML.
  std::string body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (const std::string& id : block_ids) body += "<Latest>" + id + "</Latest>";
  body += "</BlockList>";
  return body;
}

result<std::vector<AzureBlock>> parse_committed_blocks(std::string_view text) {
  pugi::xml_document doc;
  if (!load(doc, text)) return malformed("Get Block List answer");
  const pugi::xml_node root = doc.child("BlockList");
  if (!root) return malformed("Get Block List answer (no BlockList)");
  std::vector<AzureBlock> out;
  for (const pugi::xml_node block : root.child("CommittedBlocks").children("Block")) {
    AzureBlock b;
    b.id = block.child_value("Name");
    if (!parse_u64(block.child_value("Size"), b.size)) return malformed("Get Block List entry");
    out.push_back(std::move(b));
  }
  return out;
}

int64_t parse_rfc1123_ms(std::string_view text) {
  const std::string s(text);
  const time_t t = curl_getdate(s.c_str(), nullptr);
  return t > 0 ? static_cast<int64_t>(t) * 1000 : 0;
}

}  // namespace strata::objstore
