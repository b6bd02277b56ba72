#include "objstore/azure_options.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

#include "objstore/azure_auth.h"
#include "objstore/store_url.h"

namespace strata::objstore {

namespace {

constexpr std::string_view kKeyPrefix = "rsm.config.azure.";
constexpr std::string_view kUrlScheme = "azure://";
constexpr std::string_view kDefaultEndpointSuffix = "core.windows.net";
// Azurite's well-known development account (UseDevelopmentStorage=true). Not a secret: it is
// published with the emulator and works nowhere else.
constexpr std::string_view kDevAccount = "devstoreaccount1";
constexpr std::string_view kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr std::string_view kDevBlobEndpoint = "http://127.0.0.1:10000/devstoreaccount1";
// Azure's rules for container names: 3-63 characters of [a-z0-9-].
constexpr size_t kMinContainerName = 3;
constexpr size_t kMaxContainerName = 63;

Error invalid(std::string message) { return Error(ObjstoreErrc::invalid_argument, std::move(message)); }

result<uint64_t> parse_u64(std::string_view key, std::string_view text) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return invalid(fmt::format("{}: '{}' is not a non-negative integer", key, text));
  }
  return v;
}

bool has_scheme(std::string_view endpoint) {
  return endpoint.starts_with("http://") || endpoint.starts_with("https://");
}

// Sets one option from a key without its rsm.config.azure. prefix; false if unknown.
result<bool> apply_key(AzureOptions& o, std::string_view full_key, std::string_view key, const std::string& value) {
  using std::chrono::milliseconds;
  if (key == "account.name") {
    o.account = value;
  } else if (key == "account.key") {
    o.key = value;
  } else if (key == "container") {
    o.container = value;
  } else if (key == "endpoint") {
    o.endpoint = value;
  } else if (key == "prefix") {
    o.prefix = value;
  } else if (key == "connection.string") {
    STRATA_TRY_ASSIGN(AzureConnectionString cs, parse_connection_string(value));
    if (o.account.empty()) o.account = cs.account;
    if (o.key.empty()) o.key = cs.key;
    if (o.endpoint.empty()) o.endpoint = cs.blob_endpoint;
  } else if (key == "block.size") {
    STRATA_TRY_ASSIGN(o.block_size, parse_u64(full_key, value));
  } else if (key == "upload.parallelism") {
    STRATA_TRY_ASSIGN(o.upload_parallelism, parse_u64(full_key, value));
  } else if (key == "single.put.limit") {
    STRATA_TRY_ASSIGN(o.single_put_limit, parse_u64(full_key, value));
  } else if (key == "read.chunk.size") {
    STRATA_TRY_ASSIGN(o.read_chunk_size, parse_u64(full_key, value));
  } else if (key == "concurrency") {
    STRATA_TRY_ASSIGN(o.concurrency, parse_u64(full_key, value));
  } else if (key == "connect.timeout.ms") {
    STRATA_TRY_ASSIGN(uint64_t ms, parse_u64(full_key, value));
    o.connect_timeout = milliseconds(ms);
  } else if (key == "request.timeout.ms") {
    STRATA_TRY_ASSIGN(uint64_t ms, parse_u64(full_key, value));
    o.request_timeout = milliseconds(ms);
  } else if (key == "retry.deadline.ms") {
    STRATA_TRY_ASSIGN(uint64_t ms, parse_u64(full_key, value));
    o.retry.deadline = milliseconds(ms);
  } else if (key == "retry.max.attempts") {
    STRATA_TRY_ASSIGN(uint64_t n, parse_u64(full_key, value));
    o.retry.max_attempts = static_cast<uint32_t>(n);
  } else {
    return false;
  }
  return true;
}

bool valid_container(std::string_view name) {
  if (name.size() < kMinContainerName || name.size() > kMaxContainerName) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return name.front() != '-' && name.back() != '-' && name.find("--") == std::string_view::npos;
}

}  // namespace

result<AzureConnectionString> parse_connection_string(std::string_view text) {
  AzureConnectionString out;
  std::string protocol = "https";
  std::string suffix(kDefaultEndpointSuffix);
  bool development = false;
  while (!text.empty()) {
    const size_t semi = text.find(';');
    const std::string_view pair = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');  // the first '=': base64 keys end in '='
    if (eq == std::string_view::npos) return invalid("the connection string has a part without '='");
    const std::string_view name = pair.substr(0, eq);
    const std::string value(pair.substr(eq + 1));
    if (name == "AccountName") {
      out.account = value;
    } else if (name == "AccountKey") {
      out.key = value;
    } else if (name == "BlobEndpoint") {
      out.blob_endpoint = value;
    } else if (name == "DefaultEndpointsProtocol") {
      protocol = value;
    } else if (name == "EndpointSuffix") {
      suffix = value;
    } else if (name == "UseDevelopmentStorage") {
      development = value == "true";
    }
    // Other parts (QueueEndpoint, SharedAccessSignature, ...) are not used by this backend.
  }
  if (development) {
    if (out.account.empty()) out.account = kDevAccount;
    if (out.key.empty()) out.key = kDevKey;
    if (out.blob_endpoint.empty()) out.blob_endpoint = kDevBlobEndpoint;
  }
  if (out.account.empty()) return invalid("the connection string has no AccountName");
  if (out.blob_endpoint.empty()) out.blob_endpoint = fmt::format("{}://{}.blob.{}", protocol, out.account, suffix);
  return out;
}

EnvLookup process_environment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

result<AzureOptions> finish_azure_options(AzureOptions o, const EnvLookup& env) {
  if (const std::optional<std::string> cs = env("AZURE_STORAGE_CONNECTION_STRING")) {
    result<AzureConnectionString> parsed = parse_connection_string(*cs);
    if (!parsed) return invalid("AZURE_STORAGE_CONNECTION_STRING: " + parsed.error().message());
    // The connection string names one account: its key and endpoint apply only to it.
    if (o.account.empty() || o.account == parsed->account) {
      if (o.account.empty()) o.account = parsed->account;
      if (o.key.empty()) o.key = parsed->key;
      if (o.endpoint.empty()) o.endpoint = parsed->blob_endpoint;
    }
  }
  if (o.account.empty()) {
    if (const std::optional<std::string> account = env("AZURE_STORAGE_ACCOUNT")) o.account = *account;
  }
  if (o.key.empty()) {
    if (const std::optional<std::string> key = env("AZURE_STORAGE_KEY")) o.key = *key;
  }
  if (o.account.empty()) {
    return invalid(
        "the Azure store needs an account: set rsm.config.azure.account.name, AZURE_STORAGE_ACCOUNT or "
        "AZURE_STORAGE_CONNECTION_STRING");
  }
  if (o.key.empty()) {
    return invalid(
        fmt::format("no key for Azure account {}: set rsm.config.azure.account.key, AZURE_STORAGE_KEY or "
                    "AZURE_STORAGE_CONNECTION_STRING",
                    o.account));
  }
  if (!base64_decode(o.key)) {
    return invalid(
        fmt::format("the key of Azure account {} is not base64 (copy it as the portal shows it)", o.account));
  }
  if (!valid_container(o.container)) {
    return invalid(fmt::format("'{}' is not a valid container name (3-63 of a-z, 0-9 and single '-')", o.container));
  }
  if (o.endpoint.empty()) o.endpoint = fmt::format("https://{}.blob.{}", o.account, kDefaultEndpointSuffix);
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  if (!has_scheme(o.endpoint)) {
    return invalid(fmt::format("endpoint '{}' must start with http:// or https://", o.endpoint));
  }
  if (o.endpoint.find_first_of("?#") != std::string::npos) {
    return invalid(fmt::format("endpoint '{}' must not have a query", o.endpoint));
  }
  while (!o.prefix.empty() && o.prefix.front() == '/') o.prefix.erase(0, 1);
  if (!o.prefix.empty() && o.prefix.back() != '/') o.prefix.push_back('/');
  if (o.prefix.find("//") != std::string::npos) return invalid(fmt::format("prefix '{}' has '//'", o.prefix));
  if (o.block_size == 0 || o.block_size > AzureOptions::kMaxBlockSize) {
    return invalid(fmt::format("block size {} is outside [1, {}]", o.block_size, AzureOptions::kMaxBlockSize));
  }
  if (o.single_put_limit == 0 || o.single_put_limit > AzureOptions::kMaxPutBlobSize) {
    return invalid(
        fmt::format("single put limit {} is outside [1, {}]", o.single_put_limit, AzureOptions::kMaxPutBlobSize));
  }
  if (o.upload_parallelism == 0 || o.upload_parallelism > AzureOptions::kMaxUploadParallelism) {
    return invalid(fmt::format("upload parallelism {} is outside [1, {}]", o.upload_parallelism,
                               AzureOptions::kMaxUploadParallelism));
  }
  if (o.read_chunk_size == 0) return invalid("the read chunk size must be positive");
  if (o.concurrency == 0) return invalid("the Azure store needs a concurrency of at least 1");
  if (o.connect_timeout.count() <= 0 || o.request_timeout.count() <= 0 || o.stall_timeout.count() <= 0) {
    return invalid("Azure timeouts must be positive");
  }
  STRATA_TRY(validate(o.retry));
  return o;
}

result<AzureOptions> azure_options_from_config(const std::map<std::string, std::string>& config) {
  AzureOptions o;
  for (const auto& [full_key, value] : config) {
    if (!full_key.starts_with(kKeyPrefix)) continue;
    STRATA_TRY_ASSIGN(bool known, apply_key(o, full_key, std::string_view(full_key).substr(kKeyPrefix.size()), value));
    if (!known) return invalid(fmt::format("unknown configuration key {}", full_key));
  }
  return o;
}

result<AzureOptions> azure_options_from_url(std::string_view url) {
  if (!url.starts_with(kUrlScheme)) return invalid(fmt::format("'{}' is not an azure:// URL", url));
  AzureOptions o;
  STRATA_TRY_ASSIGN(StoreLocation location, parse_store_location(url.substr(kUrlScheme.size())));
  o.container = std::move(location.bucket);
  o.prefix = std::move(location.prefix);
  for (const auto& [name, value] : location.params) {
    if (name == "endpoint") {
      o.endpoint = value;
    } else if (name == "account") {
      o.account = value;
    } else {
      return invalid(fmt::format("URL parameter '{}' is not one of endpoint, account", name));
    }
  }
  return o;
}

}  // namespace strata::objstore
