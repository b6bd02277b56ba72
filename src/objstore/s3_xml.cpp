#include "objstore/s3_xml.h"

#include <fmt/format.h>
#include <time.h>
#include <pugixml.hpp>

#include <charconv>
#include <sstream>

#include "objstore/errc.h"
#include "objstore/s3_url.h"

namespace strata::objstore {

namespace {

Error malformed(std::string_view what) {
  return Error(ObjstoreErrc::permanent, fmt::format("the server's {} response is not the XML S3 sends", what));
}

bool load(pugi::xml_document& doc, std::string_view text) {
  return doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
}

std::string child_text(const pugi::xml_node& node, const char* name) { return node.child(name).text().get(); }

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string strip_quotes(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

std::optional<S3ErrorBody> parse_error_body(std::string_view text) {
  pugi::xml_document doc;
  if (text.empty() || !load(doc, text)) return std::nullopt;
  const pugi::xml_node e = doc.child("Error");
  if (!e) return std::nullopt;
  return S3ErrorBody{child_text(e, "Code"), child_text(e, "Message"), child_text(e, "RequestId")};
}

result<std::string> parse_upload_id(std::string_view text) {
  pugi::xml_document doc;
  if (!load(doc, text)) return malformed("CreateMultipartUpload");
  std::string id = child_text(doc.child("InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) return malformed("CreateMultipartUpload");
  return id;
}

result<CompleteResult> parse_complete(std::string_view text) {
  pugi::xml_document doc;
  if (!load(doc, text)) return malformed("CompleteMultipartUpload");
  if (const pugi::xml_node e = doc.child("Error")) {
    return CompleteResult{"", S3ErrorBody{child_text(e, "Code"), child_text(e, "Message"), child_text(e, "RequestId")}};
  }
  const pugi::xml_node r = doc.child("CompleteMultipartUploadResult");
  if (!r) return malformed("CompleteMultipartUpload");
  return CompleteResult{strip_quotes(child_text(r, "ETag")), std::nullopt};
}

result<S3ListResult> parse_list(std::string_view text) {
  pugi::xml_document doc;
  if (!load(doc, text)) return malformed("ListObjectsV2");
  const pugi::xml_node r = doc.child("ListBucketResult");
  if (!r) return malformed("ListObjectsV2");
  const bool url_encoded = std::string_view(r.child("EncodingType").text().get()) == "url";
  const auto decode = [url_encoded](std::string raw, std::string& out) {
    if (!url_encoded) {
      out = std::move(raw);
      return true;
    }
    return uri_decode(raw, out);
  };
  S3ListResult out;
  for (const pugi::xml_node c : r.children("Contents")) {
    S3ListedObject o;
    if (!decode(child_text(c, "Key"), o.key)) return malformed("ListObjectsV2");
    const std::string size = child_text(c, "Size");
    const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), o.size);
    if (ec != std::errc() || end != size.data() + size.size()) return malformed("ListObjectsV2");
    o.etag = strip_quotes(child_text(c, "ETag"));
    o.last_modified_ms = parse_iso8601_ms(child_text(c, "LastModified"));
    out.objects.push_back(std::move(o));
  }
  for (const pugi::xml_node p : r.children("CommonPrefixes")) {
    std::string prefix;
    if (!decode(child_text(p, "Prefix"), prefix)) return malformed("ListObjectsV2");
    out.common_prefixes.push_back(std::move(prefix));
  }
  out.truncated = std::string_view(r.child("IsTruncated").text().get()) == "true";
  out.next_token = child_text(r, "NextContinuationToken");
  if (out.truncated && out.next_token.empty()) return malformed("ListObjectsV2 (truncated, without a token)");
  return out;
}

result<std::vector<S3DeleteError>> parse_delete_result(std::string_view text) {
  pugi::xml_document doc;
  if (!load(doc, text)) return malformed("DeleteObjects");
  const pugi::xml_node r = doc.child("DeleteResult");
  if (!r) return malformed("DeleteObjects");
  std::vector<S3DeleteError> errors;
  for (const pugi::xml_node e : r.children("Error")) {
    errors.push_back(S3DeleteError{child_text(e, "Key"), child_text(e, "Code"), child_text(e, "Message")});
  }
  return errors;
}

std::string complete_body(const std::vector<S3Part>& parts) {
  std::string out = "<CompleteMultipartUpload>";
  for (const S3Part& p : parts) {
    out += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", p.number, escape(p.etag));
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

std::string delete_body(const std::vector<std::string>& keys) {
  std::string out = "<Delete><Quiet>true</Quiet>";
  for (const std::string& k : keys) out += "<Object><Key>" + escape(k) + "</Key></Object>";
  out += "</Delete>";
  return out;
}

int64_t parse_iso8601_ms(std::string_view text) {
  std::tm tm{};
  int ms = 0;
  const std::string s(text);
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest) {
      if (digits < 3) ms = ms * 10 + (*rest - '0');
      ++digits;
    }
    for (; digits < 3; ++digits) ms *= 10;
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

}  // namespace strata::objstore
