#include "objstore/azure_auth.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <ctime>

#include "objstore/s3_digest.h"

namespace strata::objstore {

namespace {

constexpr std::array<const char*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr size_t kBase64Quantum = 4;
constexpr size_t kBase64Bits = 6;

// The standard headers of StringToSign, in its order (after the verb).
constexpr std::array<std::string_view, 11> kSignedStandardHeaders = {
    "content-encoding",  "content-language", "content-length", "content-md5",         "content-type", "date",
    "if-modified-since", "if-match",         "if-none-match",  "if-unmodified-since", "range"};
constexpr std::string_view kMsHeaderPrefix = "x-ms-";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The order the service sorts canonicalized header names in. It compares them culture-aware
// (.NET), as Azurite does (ICU's localeCompare): '_' sorts before digits there, after them in
// byte order, so "x-ms-meta-a_b" and "x-ms-meta-a1" would be signed in the wrong order by a plain
// byte comparison. Names here are [a-z0-9_-]; ranking '_' lowest makes the two agree on them.
int collation_rank(char c) { return c == '_' ? -1 : static_cast<unsigned char>(c); }

bool header_name_less(const std::string& a, const std::string& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return collation_rank(x) < collation_rank(y); });
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string rfc1123_date(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} GMT", kWeekdays[static_cast<size_t>(tm.tm_wday)],
                     tm.tm_mday, kMonths[static_cast<size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
}

std::optional<bytes> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % kBase64Quantum != 0) return std::nullopt;
  size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  bytes out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    const int v = base64_value(text[i]);
    if (v < 0) return std::nullopt;
    acc = (acc << kBase64Bits) | static_cast<uint32_t>(v);
    bits += static_cast<int>(kBase64Bits);
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::byte>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string hmac_sha256_base64(bytes_view key, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac.data(), &mac_size);
  return base64(bytes_view(reinterpret_cast<const std::byte*>(mac.data()), mac_size));
}

SharedKeySigner::SharedKeySigner(std::string account, std::string_view key, std::string endpoint)
    : account_(std::move(account)), key_(base64_decode(key).value_or(bytes())), endpoint_(std::move(endpoint)) {
  const size_t host = endpoint_.find("//");
  const size_t path = endpoint_.find('/', host == std::string::npos ? 0 : host + 2);
  if (path != std::string::npos) endpoint_path_ = endpoint_.substr(path);
}

std::string SharedKeySigner::url(const AzureRequest& request) const {
  std::string out = endpoint_ + request.path;
  char sep = '?';
  for (const auto& [name, value] : request.query) {
    out += sep;
    out += uri_encode(name, false);
    out += '=';
    out += uri_encode(value, false);
    sep = '&';
  }
  return out;
}

std::string SharedKeySigner::string_to_sign(const AzureRequest& request) const {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers) headers.emplace_back(lower(name), std::string(trim(value)));
  const auto standard = [&](std::string_view name) -> std::string {
    if (name == "content-length") {
      // curl sends the body's length for a PUT; 0 is signed as empty (x-ms-version >= 2015-02-21).
      if (request.method == "PUT" || request.method == "POST") {
        return request.body.empty() ? "" : std::to_string(request.body.size());
      }
      return "";
    }
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  };
  std::string out = request.method + "\n";
  for (std::string_view name : kSignedStandardHeaders) out += standard(name) + "\n";
  std::vector<std::pair<std::string, std::string>> ms;
  for (const auto& h : headers) {
    if (h.first.starts_with(kMsHeaderPrefix)) ms.push_back(h);
  }
  std::sort(ms.begin(), ms.end(), [](const auto& a, const auto& b) { return header_name_less(a.first, b.first); });
  for (const auto& [n, v] : ms) out += n + ":" + v + "\n";
  out += "/" + account_ + endpoint_path_ + request.path;
  std::vector<std::pair<std::string, std::string>> query;
  for (const auto& [n, v] : request.query) query.emplace_back(lower(n), v);
  std::sort(query.begin(), query.end());
  for (const auto& [n, v] : query) out += "\n" + n + ":" + v;
  return out;
}

HttpRequest SharedKeySigner::sign(const AzureRequest& request, int64_t unix_seconds) const {
  AzureRequest dated = request;
  dated.headers.emplace_back("x-ms-date", rfc1123_date(unix_seconds));
  dated.headers.emplace_back("x-ms-version", std::string(kAzureApiVersion));
  const std::string signature = hmac_sha256_base64(key_, string_to_sign(dated));
  HttpRequest out;
  out.method = dated.method;
  out.url = url(dated);
  for (const auto& [n, v] : dated.headers) out.headers.push_back(n + ": " + v);
  out.headers.push_back(fmt::format("Authorization: SharedKey {}:{}", account_, signature));
  out.body = dated.body;
  out.body_out = dated.body_out;
  return out;
}

}  // namespace strata::objstore
