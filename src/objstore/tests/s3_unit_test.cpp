// The S3 backend's parts that need no server: configuration keys and URLs, credentials lookup,
// URL encoding, error mapping, XML documents, and the checksum convention (s3_integrity.h).
// The backend against a real server: s3_object_store_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "base/crc32c.h"
#include "objstore/s3_credentials.h"
#include "objstore/s3_digest.h"
#include "objstore/s3_errors.h"
#include "objstore/s3_headers.h"
#include "objstore/s3_integrity.h"
#include "objstore/s3_options.h"
#include "objstore/s3_url.h"
#include "objstore/s3_xml.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {
namespace {

constexpr size_t MiB = 1024 * 1024;

TEST(S3Options, FromUrl) {
  result<S3Options> o =
      options_from_url("s3://my-bucket/tiered/prod?endpoint=http://127.0.0.1:7480&region=eu-west-1&path_style=true");
  ASSERT_OK(o);
  EXPECT_EQ(o->dialect, S3Dialect::s3);
  EXPECT_EQ(o->bucket, "my-bucket");
  EXPECT_EQ(o->prefix, "tiered/prod/");
  EXPECT_EQ(o->endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(o->region, "eu-west-1");
  EXPECT_TRUE(o->path_style);

  o = options_from_url("s3://b");
  ASSERT_OK(o);
  EXPECT_EQ(o->prefix, "");
  EXPECT_EQ(o->endpoint, "https://s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(o->path_style);

  o = options_from_url("gs://g-bucket/backups");
  ASSERT_OK(o);
  EXPECT_EQ(o->dialect, S3Dialect::gcs);
  EXPECT_EQ(o->endpoint, "https://storage.googleapis.com");
  EXPECT_EQ(o->region, "auto");
  EXPECT_EQ(o->prefix, "backups/");

  EXPECT_OBJSTORE_ERROR(options_from_url("azure://c/p"), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(options_from_url("s3:///prefix"), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(options_from_url("s3://b?secret=x"), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(options_from_url("s3://b?path_style=maybe"), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(options_from_url("s3://b?endpoint=127.0.0.1:7480"), ObjstoreErrc::invalid_argument);
}

TEST(S3Options, FromKafkaStyleConfig) {
  const std::map<std::string, std::string> config = {
      {"rsm.config.s3.bucket", "b"},
      {"rsm.config.s3.region", "us-west-2"},
      {"rsm.config.s3.endpoint", "http://localhost:9000/"},
      {"rsm.config.s3.path.style.access", "true"},
      {"rsm.config.s3.prefix", "/strata"},
      {"rsm.config.s3.access.key.id", "AKIA"},
      {"rsm.config.s3.secret.access.key", "s3cr3t"},
      {"rsm.config.s3.part.size", std::to_string(16 * MiB)},
      {"rsm.config.s3.request.timeout.ms", "1234"},
      {"remote.log.storage.system.enable", "true"},  // not ours: ignored
  };
  result<S3Options> o = s3_options_from_config(config);
  ASSERT_OK(o);
  EXPECT_EQ(o->bucket, "b");
  EXPECT_EQ(o->region, "us-west-2");
  EXPECT_EQ(o->endpoint, "http://localhost:9000");
  EXPECT_TRUE(o->path_style);
  EXPECT_EQ(o->prefix, "strata/");
  EXPECT_EQ(o->credentials.access_key_id, "AKIA");
  EXPECT_EQ(o->credentials.secret_access_key, "s3cr3t");
  EXPECT_EQ(o->part_size, 16 * MiB);
  EXPECT_EQ(o->request_timeout.count(), 1234);

  auto with = [&](std::string key, std::string value) {
    std::map<std::string, std::string> c = config;
    c[std::move(key)] = std::move(value);
    return s3_options_from_config(c);
  };
  EXPECT_FALSE(o->sign_payload);  // UNSIGNED-PAYLOAD unless asked
  result<S3Options> signed_payload = with("rsm.config.s3.sign.payload", "true");
  ASSERT_OK(signed_payload);
  EXPECT_TRUE(signed_payload->sign_payload);
  EXPECT_FALSE(o->upload_md5);  // the reader's checksum only, unless asked
  result<S3Options> upload_md5 = with("rsm.config.s3.checksum.upload.md5", "true");
  ASSERT_OK(upload_md5);
  EXPECT_TRUE(upload_md5->upload_md5);
  EXPECT_OBJSTORE_ERROR(with("rsm.config.s3.buckets", "typo"), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(with("rsm.config.s3.part.size", "1024"), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(with("rsm.config.s3.concurrency", "0"), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(with("rsm.config.s3.bucket", ""), ObjstoreErrc::invalid_argument);
  result<S3Options> bad = with("rsm.config.s3.path.style.access", "sure");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("rsm.config.s3.path.style.access"), std::string::npos);

  result<S3Options> gcs = gcs_options_from_config({{"rsm.config.gcs.bucket", "g"},
                                                   {"rsm.config.gcs.hmac.access.key", "GOOG1"},
                                                   {"rsm.config.gcs.hmac.secret", "hmac"},
                                                   {"rsm.config.s3.bucket", "not for gcs"}});
  ASSERT_OK(gcs);
  EXPECT_EQ(gcs->dialect, S3Dialect::gcs);
  EXPECT_EQ(gcs->bucket, "g");
  EXPECT_EQ(gcs->endpoint, "https://storage.googleapis.com");
  EXPECT_EQ(gcs->credentials.access_key_id, "GOOG1");
}

std::map<std::string, std::string>* fake_env = nullptr;
std::string fake_getenv(const char* name) {
  auto it = fake_env->find(name);
  return it == fake_env->end() ? std::string() : it->second;
}

TEST(S3Credentials, OptionsThenEnvironmentThenSharedFile) {
  TempDir dir;
  const std::filesystem::path file = dir.path() / "credentials";
  std::ofstream(file) << "# comment\n[default]\naws_access_key_id = DEF\naws_secret_access_key = defsecret\n"
                      << "[profile other]\naws_access_key_id=OTH\naws_secret_access_key=othsecret\n"
                      << "aws_session_token = tok\n[broken]\naws_access_key_id = X\n";
  std::map<std::string, std::string> env = {{"HOME", "/nonexistent"}};
  fake_env = &env;

  const S3Credentials given{"GIVEN", "givensecret", ""};
  EXPECT_EQ(resolve_credentials(given, fake_getenv)->access_key_id, "GIVEN");
  EXPECT_OBJSTORE_ERROR(resolve_credentials(S3Credentials{"only-id", "", ""}, fake_getenv),
                        ObjstoreErrc::access_denied);

  result<S3Credentials> none = resolve_credentials(S3Credentials{}, fake_getenv);
  EXPECT_OBJSTORE_ERROR(none, ObjstoreErrc::access_denied);

  env["AWS_SHARED_CREDENTIALS_FILE"] = file.string();
  EXPECT_EQ(resolve_credentials(S3Credentials{}, fake_getenv)->access_key_id, "DEF");
  env["AWS_PROFILE"] = "other";
  result<S3Credentials> other = resolve_credentials(S3Credentials{}, fake_getenv);
  ASSERT_OK(other);
  EXPECT_EQ(other->secret_access_key, "othsecret");
  EXPECT_EQ(other->session_token, "tok");
  env["AWS_PROFILE"] = "broken";
  result<S3Credentials> broken = resolve_credentials(S3Credentials{}, fake_getenv);
  EXPECT_OBJSTORE_ERROR(broken, ObjstoreErrc::access_denied);
  env["AWS_PROFILE"] = "missing";
  EXPECT_OBJSTORE_ERROR(resolve_credentials(S3Credentials{}, fake_getenv), ObjstoreErrc::access_denied);

  env["AWS_ACCESS_KEY_ID"] = "ENV";
  env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  EXPECT_EQ(resolve_credentials(S3Credentials{}, fake_getenv)->access_key_id, "ENV");
  env.erase("AWS_SECRET_ACCESS_KEY");
  result<S3Credentials> half = resolve_credentials(S3Credentials{}, fake_getenv);
  EXPECT_OBJSTORE_ERROR(half, ObjstoreErrc::access_denied);
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().message().find("ENV"), std::string::npos);
  fake_env = nullptr;
}

TEST(S3Url, PathStyleAndVirtualHostedWithSigV4Encoding) {
  S3Options o;
  o.bucket = "bkt";
  o.endpoint = "http://127.0.0.1:7480";
  o.path_style = true;
  EXPECT_EQ(S3Url(o).object("p/a b/c%\xc3\xa9!~"), "http://127.0.0.1:7480/bkt/p/a%20b/c%25%C3%A9%21~");
  EXPECT_EQ(S3Url(o).bucket({{"prefix", "a/b"}, {"list-type", "2"}, {"delete", ""}}),
            "http://127.0.0.1:7480/bkt?delete=&list-type=2&prefix=a%2Fb");
  o.path_style = false;
  o.endpoint = "https://s3.eu-west-1.amazonaws.com";
  EXPECT_EQ(S3Url(o).object("k", {{"uploadId", "x~y+z"}}), "https://bkt.s3.eu-west-1.amazonaws.com/k?uploadId=x~y%2Bz");
  std::string decoded;
  ASSERT_TRUE(uri_decode("a%20b%2Fc", decoded));
  EXPECT_EQ(decoded, "a b/c");
  EXPECT_FALSE(uri_decode("bad%2", decoded));
}

TEST(S3Errors, MapToObjstoreKinds) {
  struct Case {
    long status;
    const char* code;
    ObjstoreErrc kind;
  };
  for (const Case& c : std::vector<Case>{
           {404, "NoSuchKey", ObjstoreErrc::not_found},
           {404, "", ObjstoreErrc::not_found},
           {404, "NoSuchUpload", ObjstoreErrc::not_found},
           {403, "AccessDenied", ObjstoreErrc::access_denied},
           {403, "InvalidAccessKeyId", ObjstoreErrc::access_denied},
           {403, "SignatureDoesNotMatch", ObjstoreErrc::access_denied},
           {403, "RequestTimeTooSkewed", ObjstoreErrc::access_denied},
           {403, "", ObjstoreErrc::access_denied},
           {503, "SlowDown", ObjstoreErrc::throttled},
           {503, "", ObjstoreErrc::throttled},
           {429, "", ObjstoreErrc::throttled},
           {412, "PreconditionFailed", ObjstoreErrc::precondition_failed},
           {409, "OperationAborted", ObjstoreErrc::precondition_failed},
           {416, "InvalidRange", ObjstoreErrc::invalid_range},
           {500, "InternalError", ObjstoreErrc::transient},
           {502, "", ObjstoreErrc::transient},
           {400, "RequestTimeout", ObjstoreErrc::transient},
           {400, "InvalidArgument", ObjstoreErrc::invalid_argument},
           {400, "EntityTooLarge", ObjstoreErrc::permanent},
           {404, "NoSuchBucket", ObjstoreErrc::permanent},
           {405, "MethodNotAllowed", ObjstoreErrc::permanent},
       }) {
    SCOPED_TRACE(::testing::Message() << c.status << " " << c.code);
    const Error e = s3_error(c.status, c.code, "", "req-1", "put k");
    EXPECT_TRUE(e.is(c.kind)) << e.to_string();
    EXPECT_EQ(is_retryable(e), c.kind == ObjstoreErrc::transient || c.kind == ObjstoreErrc::throttled);
  }
  EXPECT_NE(s3_error(403, "RequestTimeTooSkewed", "", "", "get k").message().find("clock"), std::string::npos);
  EXPECT_NE(s3_error(403, "SignatureDoesNotMatch", "", "", "get k").message().find("secret"), std::string::npos);

  HttpResponse r;
  r.status = 404;
  r.text = "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message></Message><RequestId>tx1</RequestId></Error>";
  const Error e = s3_error(r, "get k");
  EXPECT_TRUE(e.is(ObjstoreErrc::not_found));
  EXPECT_EQ(e.message(), "get k: HTTP 404 NoSuchKey [request id tx1]");
}

TEST(S3Xml, DocumentsRoundTrip) {
  result<S3ListResult> list = parse_list(
      "<ListBucketResult><EncodingType>url</EncodingType><Contents><Key>p/a%20b</Key><Size>12</Size>"
      "<ETag>&quot;abc&quot;</ETag><LastModified>2026-12-01T21:20:02.123Z</LastModified></Contents>"
      "<CommonPrefixes><Prefix>p/d%2F</Prefix></CommonPrefixes><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>tok/en</NextContinuationToken></ListBucketResult>");
  ASSERT_OK(list);
  ASSERT_EQ(list->objects.size(), 1u);
  EXPECT_EQ(list->objects[0].key, "p/a b");
  EXPECT_EQ(list->objects[0].size, 12u);
  EXPECT_EQ(list->objects[0].etag, "abc");
  EXPECT_EQ(list->objects[0].last_modified_ms, 1796160002123);
  EXPECT_EQ(list->common_prefixes, (std::vector<std::string>{"p/d/"}));
  EXPECT_TRUE(list->truncated);
  EXPECT_EQ(list->next_token, "tok/en");
  EXPECT_OBJSTORE_ERROR(parse_list("<nope/>"), ObjstoreErrc::permanent);
  EXPECT_OBJSTORE_ERROR(parse_list("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
                        ObjstoreErrc::permanent);

  result<CompleteResult> failed = parse_complete("<Error><Code>InternalError</Code></Error>");
  ASSERT_OK(failed);
  ASSERT_TRUE(failed->error.has_value());
  EXPECT_EQ(failed->error->code, "InternalError");
  EXPECT_EQ(parse_upload_id("<InitiateMultipartUploadResult><UploadId>2~x</UploadId></InitiateMultipartUploadResult>")
                .value(),
            "2~x");
  EXPECT_EQ(delete_body({"a&b", "c"}),
            "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object><Object><Key>c</Key></Object></Delete>");
  result<std::vector<S3DeleteError>> errors = parse_delete_result(
      "<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code><Message>no</Message></Error></DeleteResult>");
  ASSERT_OK(errors);
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].key, "k");
}

TEST(S3Integrity, CrcMetadataAndGoogHash) {
  EXPECT_EQ(crc32c_hex(0xE3069283), "e3069283");
  EXPECT_EQ(parse_crc32c_hex("e3069283"), 0xE3069283u);
  EXPECT_FALSE(parse_crc32c_hex("e30692"));
  EXPECT_FALSE(parse_crc32c_hex("zz069283"));
  // CRC32C("123456789") = 0xE3069283, as GCS sends it.
  EXPECT_EQ(parse_goog_crc32c("crc32c=4waSgw==,md5=xxxx"), 0xE3069283u);
  EXPECT_EQ(parse_goog_crc32c("md5=xxxx, crc32c=4waSgw=="), 0xE3069283u);
  EXPECT_FALSE(parse_goog_crc32c("md5=xxxx"));
}

result<void> verify(const ObjectChecksums& c, bytes_view data, size_t chunk) {
  ObjectVerifier v(c);
  for (size_t i = 0; i < data.size(); i += chunk) v.update(data.subspan(i, std::min(chunk, data.size() - i)));
  return v.finish("get k", false);
}

std::string multipart_etag_of(bytes_view data, size_t part_size) {
  std::vector<Md5Digest> parts;
  for (size_t i = 0; i < data.size(); i += part_size)
    parts.push_back(md5(data.subspan(i, std::min(part_size, data.size() - i))));
  return multipart_etag(parts);
}

TEST(S3Integrity, VerifierChecksEveryConvention) {
  const bytes data = pattern(9, 0, 21 * MiB + 3);
  bytes bad = data;
  bad[12345] ^= std::byte{1};

  ObjectChecksums crc;
  crc.strata_crc32c = crc32c::compute(data);
  EXPECT_OK(verify(crc, data, 1 * MiB + 7));
  EXPECT_OBJSTORE_ERROR(verify(crc, bad, 1 * MiB + 7), ObjstoreErrc::corrupt);

  ObjectChecksums plain;
  plain.etag = to_hex(md5(data));
  EXPECT_OK(verify(plain, data, 3 * MiB));
  EXPECT_OBJSTORE_ERROR(verify(plain, bad, 3 * MiB), ObjstoreErrc::corrupt);

  // Strata's multipart objects: the part size is in the metadata.
  ObjectChecksums ours;
  ours.etag = multipart_etag_of(data, 5 * MiB);
  ours.part_size = 5 * MiB;
  ours.size = data.size();
  EXPECT_NE(ours.etag.find("-5"), std::string::npos);
  EXPECT_OK(verify(ours, data, 4 * MiB));
  EXPECT_OBJSTORE_ERROR(verify(ours, bad, 4 * MiB), ObjstoreErrc::corrupt);

  // Another tool's (awscli: 8 MiB parts): the part size is inferred.
  ObjectChecksums theirs;
  theirs.etag = multipart_etag_of(data, 8 * MiB);
  theirs.size = data.size();
  EXPECT_OK(verify(theirs, data, 4 * MiB));
  EXPECT_OBJSTORE_ERROR(verify(theirs, bad, 4 * MiB), ObjstoreErrc::corrupt);

  // Nothing to check against: refused unless allowed.
  ObjectChecksums none;
  none.etag = "opaque";
  ObjectVerifier v(none);
  EXPECT_FALSE(v.can_verify());
  EXPECT_OBJSTORE_ERROR(v.finish("get k", false), ObjstoreErrc::corrupt);
  ObjectVerifier allowed(none);
  EXPECT_OK(allowed.finish("get k", true));
  ObjectChecksums kms = plain;
  kms.encrypted_etag = true;
  EXPECT_FALSE(ObjectVerifier(kms).can_verify());
}

TEST(S3Integrity, VerifierCopiesGoOnFromTheSameState) {
  // A get verifies each chunk into a copy of the verifier, kept only if the chunk arrived whole.
  const bytes data = pattern(10, 0, 3 * MiB + 11);
  const bytes_view head = bytes_view(data).first(MiB);
  const bytes_view rest = bytes_view(data).subspan(MiB);
  for (const bool multipart : {false, true}) {
    SCOPED_TRACE(multipart);
    ObjectChecksums checksums;
    checksums.etag = multipart ? multipart_etag_of(data, 2 * MiB) : to_hex(md5(data));
    checksums.part_size = multipart ? std::optional<uint64_t>(2 * MiB) : std::nullopt;
    checksums.size = data.size();
    ObjectVerifier committed(checksums);
    committed.update(head);
    ObjectVerifier failed_attempt = committed;
    failed_attempt.update(rest.first(100));  // a cut transfer: thrown away
    ObjectVerifier retried = committed;
    retried.update(rest);
    EXPECT_OK(retried.finish("get k", false));
    committed.update(bytes_view(data).subspan(MiB + 1));  // a byte lost
    EXPECT_OBJSTORE_ERROR(committed.finish("get k", false), ObjstoreErrc::corrupt);
  }
  Md5 a;
  a.update(head);
  Md5 b = a;
  Md5 c;
  c = b;
  a.update(rest);
  b.update(rest);
  c.update(rest);
  EXPECT_EQ(a.finish(), md5(data));
  EXPECT_EQ(b.finish(), md5(data));
  EXPECT_EQ(c.finish(), md5(data));
}

TEST(S3Integrity, StoredMd5MustMatchTheBodySent) {
  const bytes body = pattern(11, 0, 1000);
  HttpResponse r;
  r.status = 200;
  r.body_md5 = md5(body);
  r.headers = {{"etag", "\"" + to_hex(md5(body)) + "\""}};
  EXPECT_OK(check_stored_md5(S3Dialect::s3, r, "put k"));

  HttpResponse damaged = r;
  damaged.headers = {{"etag", "\"" + to_hex(md5(bytes_view(body).first(999))) + "\""}};
  result<void> bad = check_stored_md5(S3Dialect::s3, damaged, "put k");
  EXPECT_OBJSTORE_ERROR(bad, ObjstoreErrc::corrupt);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("put k"), std::string::npos) << bad.error().message();

  // Where the ETag is no MD5 of the bytes, nothing can be compared.
  EXPECT_OK(check_stored_md5(S3Dialect::gcs, damaged, "put k"));
  HttpResponse kms = damaged;
  kms.headers.emplace_back("x-amz-server-side-encryption", "aws:kms");
  EXPECT_OK(check_stored_md5(S3Dialect::s3, kms, "put k"));
  HttpResponse sse_c = damaged;
  sse_c.headers.emplace_back("x-amz-server-side-encryption-customer-algorithm", "AES256");
  EXPECT_OK(check_stored_md5(S3Dialect::s3, sse_c, "put k"));
  HttpResponse opaque = r;
  opaque.headers = {{"etag", "\"abc-2\""}};
  EXPECT_OK(check_stored_md5(S3Dialect::s3, opaque, "put k"));

  HttpResponse no_etag = r;
  no_etag.headers.clear();
  EXPECT_OBJSTORE_ERROR(check_stored_md5(S3Dialect::s3, no_etag, "put k"), ObjstoreErrc::permanent);
  HttpResponse not_hashed = r;
  not_hashed.body_md5.reset();
  EXPECT_OBJSTORE_ERROR(check_stored_md5(S3Dialect::s3, not_hashed, "put k"), ObjstoreErrc::permanent);
}

TEST(S3Integrity, EtagsOfOneRequestObjectsAreTheirMd5) {
  const bytes body = pattern(12, 0, 1000);
  EXPECT_EQ(etag_md5("\"" + to_hex(md5(body)) + "\""), md5(body));
  EXPECT_EQ(etag_md5(to_hex(md5(body))), md5(body));
  EXPECT_FALSE(etag_md5("\"" + to_hex(md5(body)) + "-2\""));  // multipart
  EXPECT_FALSE(etag_md5("\"abc\""));
  EXPECT_FALSE(etag_md5(std::string(32, 'g')));
  EXPECT_FALSE(etag_md5(std::string(32, 'A')));
}

}  // namespace
}  // namespace strata::objstore::testing
