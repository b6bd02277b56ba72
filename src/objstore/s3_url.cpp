#include "objstore/s3_url.h"

#include <algorithm>

namespace strata::objstore {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string with_query(std::string url, const QueryParams& query) {
  // Sorted by name, as in the canonical request.
  QueryParams sorted = query;
  std::sort(sorted.begin(), sorted.end());
  char sep = '?';
  for (const auto& [name, value] : sorted) {
    url += sep;
    url += uri_encode(name, false);
    url += '=';
    url += uri_encode(value, false);
    sep = '&';
  }
  return url;
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xF]);
    }
  }
  return out;
}

bool uri_decode(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return false;
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');  // form encoding, which some servers use for spaces
    } else {
      out.push_back(s[i]);
    }
  }
  return true;
}

S3Url::S3Url(const S3Options& options) : path_style_(options.path_style) {
  if (options.path_style) {
    base_ = options.endpoint + "/" + uri_encode(options.bucket, false) + "/";
  } else {
    const size_t host = options.endpoint.find("//") + 2;
    base_ = options.endpoint.substr(0, host) + options.bucket + "." + options.endpoint.substr(host) + "/";
  }
}

std::string S3Url::object(std::string_view full_key, const QueryParams& query) const {
  return with_query(base_ + uri_encode(full_key, true), query);
}

std::string S3Url::bucket(const QueryParams& query) const {
  // Path-style without the trailing '/': Ceph RGW answers a badly signed "GET /bucket/?list-type=2"
  // with 405 MethodNotAllowed instead of 403.
  return with_query(path_style_ ? base_.substr(0, base_.size() - 1) : base_, query);
}

}  // namespace strata::objstore
