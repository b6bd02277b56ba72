#include "objstore/s3_credentials.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace strata::objstore {

namespace {

std::string_view trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const size_t last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

Error missing(std::string message) { return Error(ObjstoreErrc::access_denied, std::move(message)); }

}  // namespace

std::string process_getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

result<S3Credentials> parse_credentials_file(std::string_view text, std::string_view profile, std::string_view source) {
  S3Credentials out;
  bool in_profile = false;
  bool found = false;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      const size_t close = line.find(']');
      if (close == std::string_view::npos) continue;
      std::string_view name = trim(line.substr(1, close - 1));
      if (name.starts_with("profile ")) name = trim(name.substr(8));  // ~/.aws/config style
      in_profile = name == profile;
      found = found || in_profile;
      continue;
    }
    if (!in_profile) continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, eq));
    const std::string value(trim(line.substr(eq + 1)));
    if (key == "aws_access_key_id") {
      out.access_key_id = value;
    } else if (key == "aws_secret_access_key") {
      out.secret_access_key = value;
    } else if (key == "aws_session_token") {
      out.session_token = value;
    }
  }
  if (!found) return missing(fmt::format("{} has no [{}] profile", source, profile));
  if (out.access_key_id.empty() || out.secret_access_key.empty()) {
    return missing(fmt::format("profile [{}] of {} lacks aws_access_key_id or aws_secret_access_key", profile, source));
  }
  return out;
}

result<S3Credentials> resolve_credentials(const S3Credentials& given, GetEnv getenv) {
  if (!given.empty()) {
    if (given.access_key_id.empty() || given.secret_access_key.empty()) {
      return missing("the configuration gives only one of the access key id and the secret access key");
    }
    return given;
  }
  S3Credentials env{getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")};
  if (!env.access_key_id.empty() || !env.secret_access_key.empty()) {
    if (env.access_key_id.empty() || env.secret_access_key.empty()) {
      return missing("only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set");
    }
    return env;
  }
  std::string file = getenv("AWS_SHARED_CREDENTIALS_FILE");
  if (file.empty()) {
    const std::string home = getenv("HOME");
    if (home.empty()) return missing("no S3 credentials: none configured, none in the environment, and no HOME");
    file = home + "/.aws/credentials";
  }
  std::string profile = getenv("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  std::ifstream in(file);
  if (!in) {
    return missing(fmt::format(
        "no S3 credentials: none configured (access.key.id / secret.access.key), none in AWS_ACCESS_KEY_ID / "
        "AWS_SECRET_ACCESS_KEY, and {} cannot be read",
        file));
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_credentials_file(text.str(), profile, file);
}

}  // namespace strata::objstore
