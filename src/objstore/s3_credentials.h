// Where the S3 backend's credentials come from, in the order the AWS SDKs use: the options, then
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then the shared credentials
// file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials) at profile AWS_PROFILE (else
// "default"). Secrets are never logged or put in error messages; errors name the source only.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "objstore/s3_options.h"

namespace strata::objstore {

// The environment, as a function, so that tests need not change the process's own.
using GetEnv = std::string (*)(const char* name);
std::string process_getenv(const char* name);

// The credentials to sign with. Blocking (may read a file): call it at startup.
result<S3Credentials> resolve_credentials(const S3Credentials& given, GetEnv getenv);
inline result<S3Credentials> resolve_credentials(const S3Credentials& given) {
  return resolve_credentials(given, process_getenv);
}

// The [profile] section of a shared credentials file's text (INI: aws_access_key_id,
// aws_secret_access_key, aws_session_token; '#' and ';' comments). `source` names the file in
// errors.
result<S3Credentials> parse_credentials_file(std::string_view text, std::string_view profile, std::string_view source);

}  // namespace strata::objstore
