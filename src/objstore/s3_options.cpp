#include "objstore/s3_options.h"
#include "objstore/store_url.h"

#include <fmt/format.h>

#include <charconv>

namespace strata::objstore {

namespace {

constexpr std::string_view kS3KeyPrefix = "rsm.config.s3.";
constexpr std::string_view kGcsKeyPrefix = "rsm.config.gcs.";
constexpr std::string_view kGcsDefaultEndpoint = "https://storage.googleapis.com";
// GCS's XML API takes any region name in a signature; "auto" is the one its documentation uses.
constexpr std::string_view kGcsRegion = "auto";

Error invalid(std::string message) { return Error(ObjstoreErrc::invalid_argument, std::move(message)); }

result<uint64_t> parse_u64(std::string_view key, std::string_view text) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return invalid(fmt::format("{}: '{}' is not a non-negative integer", key, text));
  }
  return v;
}

result<bool> parse_bool(std::string_view key, std::string_view text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return invalid(fmt::format("{}: '{}' is not true or false", key, text));
}

bool has_scheme(std::string_view endpoint) {
  return endpoint.starts_with("http://") || endpoint.starts_with("https://");
}

// Sets one option from a key without its rsm.config.<backend>. prefix; false if unknown.
result<bool> apply_key(S3Options& o, std::string_view full_key, std::string_view key, const std::string& value) {
  using std::chrono::milliseconds;
  if (key == "bucket") {
    o.bucket = value;
  } else if (key == "prefix") {
    o.prefix = value;
  } else if (key == "region") {
    o.region = value;
  } else if (key == "endpoint" || key == "endpoint.url") {
    o.endpoint = value;
  } else if (key == "path.style.access") {
    STRATA_TRY_ASSIGN(o.path_style, parse_bool(full_key, value));
  } else if (key == "access.key.id" || key == "hmac.access.key") {
    o.credentials.access_key_id = value;
  } else if (key == "secret.access.key" || key == "hmac.secret") {
    o.credentials.secret_access_key = value;
  } else if (key == "session.token") {
    o.credentials.session_token = value;
  } else if (key == "part.size") {
    STRATA_TRY_ASSIGN(o.part_size, parse_u64(full_key, value));
  } else if (key == "upload.parallelism") {
    STRATA_TRY_ASSIGN(o.upload_parallelism, parse_u64(full_key, value));
  } else if (key == "multipart.threshold") {
    STRATA_TRY_ASSIGN(o.multipart_threshold, parse_u64(full_key, value));
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
  } else if (key == "sign.payload") {
    STRATA_TRY_ASSIGN(o.sign_payload, parse_bool(full_key, value));
  } else if (key == "checksum.upload.md5") {
    STRATA_TRY_ASSIGN(o.upload_md5, parse_bool(full_key, value));
  } else if (key == "conditional.complete.trusted") {
    STRATA_TRY_ASSIGN(o.trust_conditional_complete, parse_bool(full_key, value));
  } else {
    return false;
  }
  return true;
}

result<S3Options> from_config(const std::map<std::string, std::string>& config, std::string_view key_prefix,
                              S3Options o) {
  for (const auto& [full_key, value] : config) {
    if (!full_key.starts_with(key_prefix)) continue;
    STRATA_TRY_ASSIGN(bool known, apply_key(o, full_key, std::string_view(full_key).substr(key_prefix.size()), value));
    if (!known) return invalid(fmt::format("unknown configuration key {}", full_key));
  }
  return finish_options(std::move(o));
}

S3Options gcs_defaults() {
  S3Options o;
  o.dialect = S3Dialect::gcs;
  o.region = std::string(kGcsRegion);
  o.path_style = true;  // bucket names with dots break virtual-hosted TLS names on GCS
  return o;
}

}  // namespace

result<S3Options> finish_options(S3Options o) {
  if (o.bucket.empty()) return invalid("the S3 store needs a bucket");
  if (o.bucket.find('/') != std::string::npos) return invalid(fmt::format("bucket '{}' contains '/'", o.bucket));
  if (o.endpoint.empty()) {
    o.endpoint = o.dialect == S3Dialect::gcs ? std::string(kGcsDefaultEndpoint)
                                             : fmt::format("https://s3.{}.amazonaws.com", o.region);
  }
  while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
  if (!has_scheme(o.endpoint)) {
    return invalid(fmt::format("endpoint '{}' must start with http:// or https://", o.endpoint));
  }
  if (o.endpoint.find('/', o.endpoint.find("//") + 2) != std::string::npos) {
    return invalid(fmt::format("endpoint '{}' must be scheme://host[:port], without a path", o.endpoint));
  }
  if (o.region.empty()) return invalid("the S3 store needs a region");
  while (!o.prefix.empty() && o.prefix.front() == '/') o.prefix.erase(0, 1);
  if (!o.prefix.empty() && o.prefix.back() != '/') o.prefix.push_back('/');
  if (o.prefix.find("//") != std::string::npos) return invalid(fmt::format("prefix '{}' has '//'", o.prefix));
  if (o.part_size < S3Options::kMinPartSize || o.part_size > S3Options::kMaxPartSize) {
    return invalid(
        fmt::format("part size {} is outside [{}, {}]", o.part_size, S3Options::kMinPartSize, S3Options::kMaxPartSize));
  }
  if (o.multipart_threshold == 0 || o.multipart_threshold > S3Options::kMaxPartSize) {
    return invalid(
        fmt::format("multipart threshold {} is outside [1, {}]", o.multipart_threshold, S3Options::kMaxPartSize));
  }
  if (o.read_chunk_size == 0) return invalid("the read chunk size must be positive");
  if (o.upload_parallelism == 0 || o.upload_parallelism > S3Options::kMaxUploadParallelism) {
    return invalid(fmt::format("upload parallelism {} is outside [1, {}]", o.upload_parallelism,
                               S3Options::kMaxUploadParallelism));
  }
  if (o.concurrency == 0) return invalid("the S3 store needs a concurrency of at least 1");
  if (o.connect_timeout.count() <= 0 || o.request_timeout.count() <= 0 || o.stall_timeout.count() <= 0) {
    return invalid("S3 timeouts must be positive");
  }
  STRATA_TRY(validate(o.retry));
  return o;
}

result<S3Options> s3_options_from_config(const std::map<std::string, std::string>& config) {
  return from_config(config, kS3KeyPrefix, S3Options{});
}

result<S3Options> gcs_options_from_config(const std::map<std::string, std::string>& config) {
  return from_config(config, kGcsKeyPrefix, gcs_defaults());
}

result<S3Options> options_from_url(std::string_view url) {
  S3Options o;
  std::string_view rest;
  if (url.starts_with("s3://")) {
    rest = url.substr(5);
  } else if (url.starts_with("gs://")) {
    o = gcs_defaults();
    rest = url.substr(5);
  } else {
    return invalid(fmt::format("'{}' is not an s3:// or gs:// URL", url));
  }
  STRATA_TRY_ASSIGN(StoreLocation location, parse_store_location(rest));
  o.bucket = std::move(location.bucket);
  o.prefix = std::move(location.prefix);
  for (const auto& [name, value] : location.params) {
    if (name == "endpoint") {
      o.endpoint = value;
    } else if (name == "region") {
      o.region = value;
    } else if (name == "path_style") {
      STRATA_TRY_ASSIGN(o.path_style, parse_bool(name, value));
    } else {
      return invalid(fmt::format("URL parameter '{}' is not one of endpoint, region, path_style", name));
    }
  }
  return finish_options(std::move(o));
}

}  // namespace strata::objstore
