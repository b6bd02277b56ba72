// The Azure backend's parts that need no server: configuration keys, URLs, connection strings and
// the environment, SharedKey's StringToSign and HMAC, error mapping and the XML documents. The
// backend against Azurite: azure_object_store_test.cpp.
#include <gtest/gtest.h>

#include <map>

#include "objstore/azure_auth.h"
#include "objstore/azure_errors.h"
#include "objstore/azure_options.h"
#include "objstore/azure_xml.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {
namespace {

constexpr const char* kDevKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
// 2026-12-01T22:00:00Z.
constexpr int64_t kSomeTime = 1'796'162'400;

std::optional<std::string> no_env(const char*) { return std::nullopt; }

TEST(AzureOptions, FromConfigKeys) {
  const std::map<std::string, std::string> config = {
      {"rsm.config.azure.account.name", "acct"},      {"rsm.config.azure.account.key", kDevKey},
      {"rsm.config.azure.container", "segments"},     {"rsm.config.azure.prefix", "/tiered"},
      {"rsm.config.azure.block.size", "1048576"},     {"rsm.config.azure.upload.parallelism", "3"},
      {"rsm.config.azure.retry.deadline.ms", "2500"}, {"rsm.config.s3.bucket", "not ours: ignored"}};
  result<AzureOptions> o = azure_options_from_config(config);
  ASSERT_OK(o);
  result<AzureOptions> done = finish_azure_options(*o, no_env);
  ASSERT_OK(done);
  EXPECT_EQ(done->account, "acct");
  EXPECT_EQ(done->container, "segments");
  EXPECT_EQ(done->prefix, "tiered/");
  EXPECT_EQ(done->endpoint, "https://acct.blob.core.windows.net");
  EXPECT_EQ(done->block_size, 1048576u);
  EXPECT_EQ(done->upload_parallelism, 3u);
  EXPECT_EQ(done->retry.deadline, std::chrono::milliseconds(2500));

  EXPECT_OBJSTORE_ERROR(azure_options_from_config({{"rsm.config.azure.acount.name", "x"}}),
                        ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(azure_options_from_config({{"rsm.config.azure.block.size", "big"}}),
                        ObjstoreErrc::invalid_argument);
  AzureOptions bad = *done;
  bad.block_size = 0;
  EXPECT_OBJSTORE_ERROR(finish_azure_options(bad, no_env), ObjstoreErrc::invalid_argument);
  bad = *done;
  bad.upload_parallelism = AzureOptions::kMaxUploadParallelism + 1;
  EXPECT_OBJSTORE_ERROR(finish_azure_options(bad, no_env), ObjstoreErrc::invalid_argument);
  bad = *done;
  bad.container = "Has_Capitals";
  EXPECT_OBJSTORE_ERROR(finish_azure_options(bad, no_env), ObjstoreErrc::invalid_argument);
  bad = *done;
  bad.endpoint = "127.0.0.1:10000";
  EXPECT_OBJSTORE_ERROR(finish_azure_options(bad, no_env), ObjstoreErrc::invalid_argument);
}

TEST(AzureOptions, FromUrl) {
  result<AzureOptions> o = azure_options_from_url(
      "azure://segments/tiered/"
      "prod?endpoint=http%3A%2F%2F127.0.0.1%3A10000%2Fdevstoreaccount1&account=devstoreaccount1");
  ASSERT_OK(o);
  EXPECT_EQ(o->container, "segments");
  EXPECT_EQ(o->prefix, "tiered/prod");
  EXPECT_EQ(o->endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(o->account, "devstoreaccount1");
  EXPECT_TRUE(o->key.empty());  // never from a URL
  EXPECT_OBJSTORE_ERROR(azure_options_from_url("s3://b/p"), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(azure_options_from_url("azure://c/p?key=secret"), ObjstoreErrc::invalid_argument);
}

TEST(AzureOptions, EnvironmentFillsWhatTheOptionsLeaveEmpty) {
  AzureOptions o;
  o.container = "segments";
  const EnvLookup account_and_key = [](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "AZURE_STORAGE_ACCOUNT") return "fromenv";
    if (std::string_view(name) == "AZURE_STORAGE_KEY") return std::string(kDevKey);
    return std::nullopt;
  };
  result<AzureOptions> done = finish_azure_options(o, account_and_key);
  ASSERT_OK(done);
  EXPECT_EQ(done->account, "fromenv");
  EXPECT_EQ(done->key, kDevKey);

  // The connection string wins over the separate variables, and its endpoint comes along.
  const EnvLookup both = [](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "AZURE_STORAGE_CONNECTION_STRING") {
      return "DefaultEndpointsProtocol=https;AccountName=cs;AccountKey=" + std::string(kDevKey) +
             ";EndpointSuffix=core.chinacloudapi.cn";
    }
    if (std::string_view(name) == "AZURE_STORAGE_ACCOUNT") return "fromenv";
    return std::nullopt;
  };
  done = finish_azure_options(o, both);
  ASSERT_OK(done);
  EXPECT_EQ(done->account, "cs");
  EXPECT_EQ(done->endpoint, "https://cs.blob.core.chinacloudapi.cn");

  // An account given in the options is not paired with another account's key.
  o.account = "explicit";
  const EnvLookup other_account = [](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "AZURE_STORAGE_CONNECTION_STRING") {
      return "AccountName=other;AccountKey=" + std::string(kDevKey);
    }
    return std::nullopt;
  };
  result<AzureOptions> refused = finish_azure_options(o, other_account);
  EXPECT_OBJSTORE_ERROR(refused, ObjstoreErrc::invalid_argument);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("no key for Azure account explicit"), std::string::npos);
  EXPECT_EQ(refused.error().message().find(kDevKey), std::string::npos) << "a key leaked into the error";
}

TEST(AzureOptions, ConnectionStrings) {
  result<AzureConnectionString> cs = parse_connection_string(
      "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;AccountName=devstoreaccount1;"
      "AccountKey=" +
      std::string(kDevKey));
  ASSERT_OK(cs);
  EXPECT_EQ(cs->blob_endpoint, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(cs->key, kDevKey);  // the '=' padding of the key survives
  cs = parse_connection_string("UseDevelopmentStorage=true");
  ASSERT_OK(cs);
  EXPECT_EQ(cs->account, "devstoreaccount1");
  EXPECT_EQ(cs->key, kDevKey);
  EXPECT_OBJSTORE_ERROR(parse_connection_string("AccountKey=abc="), ObjstoreErrc::invalid_argument);
  EXPECT_OBJSTORE_ERROR(parse_connection_string("garbage"), ObjstoreErrc::invalid_argument);
}

TEST(AzureAuth, Primitives) {
  EXPECT_EQ(rfc1123_date(kSomeTime), "Tue, 01 Dec 2026 22:00:00 GMT");
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac_sha256_base64(as_bytes_view("Jefe"), "what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
  const std::optional<bytes> decoded = base64_decode("aGVsbG8=");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(std::string(as_string_view(*decoded)), "hello");
  EXPECT_FALSE(base64_decode("aGVsbG8"));   // not a multiple of 4
  EXPECT_FALSE(base64_decode("aGV!bG8="));  // not the alphabet
  EXPECT_FALSE(base64_decode(""));
  ASSERT_TRUE(base64_decode(kDevKey));
  EXPECT_EQ(base64_decode(kDevKey)->size(), 64u);
}

TEST(AzureAuth, StringToSignFollowsTheSharedKeyLayout) {
  const SharedKeySigner signer("devstoreaccount1", kDevKey, "http://127.0.0.1:10000/devstoreaccount1");
  AzureRequest request;
  request.method = "PUT";
  request.path = "/strata-test/a%20b/c";
  request.query = {{"comp", "block"}, {"blockid", "QUI+Lz0="}};
  const std::string body = "12345";
  request.body = as_bytes_view(body);
  request.headers = {{"Content-MD5", "md5=="},
                     {"x-ms-meta-a1", "one"},
                     {"x-ms-meta-a_b", "  two "},
                     {"x-ms-date", rfc1123_date(kSomeTime)},
                     {"x-ms-version", std::string(kAzureApiVersion)}};
  EXPECT_EQ(signer.string_to_sign(request),
            "PUT\n\n\n5\nmd5==\n\n\n\n\n\n\n\n"
            "x-ms-date:Tue, 01 Dec 2026 22:00:00 GMT\n"
            "x-ms-meta-a_b:two\n"  // '_' before digits, as the service sorts
            "x-ms-meta-a1:one\n"
            "x-ms-version:2021-08-06\n"
            "/devstoreaccount1/devstoreaccount1/strata-test/a%20b/c\n"
            "blockid:QUI+Lz0=\n"  // decoded value, parameters sorted
            "comp:block");
  EXPECT_EQ(signer.url(request),
            "http://127.0.0.1:10000/devstoreaccount1/strata-test/a%20b/c?comp=block&blockid=QUI%2BLz0%3D");

  // A GET sends no Content-Length; an empty PUT signs it as empty.
  AzureRequest get;
  get.path = "/c/k";
  EXPECT_TRUE(signer.string_to_sign(get).starts_with("GET\n\n\n\n"));
  AzureRequest empty_put;
  empty_put.method = "PUT";
  empty_put.path = "/c/k";
  EXPECT_TRUE(signer.string_to_sign(empty_put).starts_with("PUT\n\n\n\n"));

  const HttpRequest signed_request = signer.sign(get, kSomeTime);
  bool has_auth = false;
  for (const std::string& h : signed_request.headers) {
    has_auth = has_auth || h.starts_with("Authorization: SharedKey devstoreaccount1:");
    EXPECT_EQ(h.find(kDevKey), std::string::npos) << "the key itself is never sent";
  }
  EXPECT_TRUE(has_auth);
}

TEST(AzureErrors, CodesAndStatusesMapToKinds) {
  const auto kind = [](long status, std::string_view code) {
    const Error e = azure_error(status, code, "", "", "op");
    for (ObjstoreErrc k : {ObjstoreErrc::not_found, ObjstoreErrc::access_denied, ObjstoreErrc::throttled,
                           ObjstoreErrc::precondition_failed, ObjstoreErrc::transient, ObjstoreErrc::permanent,
                           ObjstoreErrc::invalid_range}) {
      if (e.is(k)) return k;
    }
    return ObjstoreErrc::cancelled;  // none of the above
  };
  EXPECT_EQ(kind(404, "BlobNotFound"), ObjstoreErrc::not_found);
  EXPECT_EQ(kind(404, "ContainerNotFound"), ObjstoreErrc::not_found);
  EXPECT_EQ(kind(403, "AuthenticationFailed"), ObjstoreErrc::access_denied);
  EXPECT_EQ(kind(403, "AuthorizationFailure"), ObjstoreErrc::access_denied);
  EXPECT_EQ(kind(403, "AuthorizationPermissionMismatch"), ObjstoreErrc::access_denied);
  EXPECT_EQ(kind(503, "ServerBusy"), ObjstoreErrc::throttled);
  EXPECT_EQ(kind(500, "ServerBusy"), ObjstoreErrc::throttled);
  EXPECT_EQ(kind(503, ""), ObjstoreErrc::throttled);
  EXPECT_EQ(kind(409, "BlobAlreadyExists"), ObjstoreErrc::precondition_failed);
  EXPECT_EQ(kind(412, "ConditionNotMet"), ObjstoreErrc::precondition_failed);
  EXPECT_EQ(kind(416, "InvalidRange"), ObjstoreErrc::invalid_range);
  EXPECT_EQ(kind(500, "InternalError"), ObjstoreErrc::transient);
  EXPECT_EQ(kind(500, "OperationTimedOut"), ObjstoreErrc::transient);
  EXPECT_EQ(kind(502, ""), ObjstoreErrc::transient);
  EXPECT_EQ(kind(400, "InvalidHeaderValue"), ObjstoreErrc::permanent);

  const Error auth =
      azure_error(403, "AuthenticationFailed", "Server failed to authenticate.\nRequestId:x\nTime:y", "rid", "put k");
  EXPECT_EQ(auth.message(),
            "put k: HTTP 403 AuthenticationFailed: Server failed to authenticate. (the signature was refused: check "
            "the account key, and that this machine's clock is within 15 minutes of the service's (NTP)) "
            "[request id rid]");

  // HEAD answers carry the code in a header only.
  HttpResponse head;
  head.status = 404;
  head.headers = {{"x-ms-error-code", "BlobNotFound"}, {"x-ms-request-id", "r1"}};
  EXPECT_TRUE(azure_error(head, "head k").is(ObjstoreErrc::not_found));
  HttpResponse body;
  body.status = 409;
  body.text =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobAlreadyExists</Code>"
      "<Message>The specified blob already exists.</Message></Error>";
  const Error exists = azure_error(body, "put k");
  EXPECT_TRUE(exists.is(ObjstoreErrc::precondition_failed));
  EXPECT_NE(exists.message().find("BlobAlreadyExists"), std::string::npos);
}

TEST(AzureXml, ListBlobsAndBlockLists) {
  const std::string listing =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"http://x/\" "
      "ContainerName=\"c\"><Prefix>p/</Prefix><MaxResults>2</MaxResults><Delimiter>/</Delimiter><Blobs>"
      "<Blob><Name>p/a</Name><Properties><Last-Modified>Tue, 01 Dec 2026 22:00:00 GMT</Last-Modified>"
      "<Etag>0x8D1</Etag><Content-Length>12</Content-Length></Properties></Blob>"
      "<BlobPrefix><Name>p/d/</Name></BlobPrefix></Blobs><NextMarker>m2</NextMarker></EnumerationResults>";
  result<AzureListResult> list = parse_blob_list(listing);
  ASSERT_OK(list);
  ASSERT_EQ(list->blobs.size(), 1u);
  EXPECT_EQ(list->blobs[0].name, "p/a");
  EXPECT_EQ(list->blobs[0].size, 12u);
  EXPECT_EQ(list->blobs[0].etag, "0x8D1");
  EXPECT_EQ(list->blobs[0].last_modified_ms, kSomeTime * 1000);
  EXPECT_EQ(list->prefixes, std::vector<std::string>{"p/d/"});
  EXPECT_EQ(list->next_marker, "m2");
  EXPECT_OBJSTORE_ERROR(parse_blob_list("<Other/>"), ObjstoreErrc::permanent);
  EXPECT_OBJSTORE_ERROR(parse_blob_list("not xml <"), ObjstoreErrc::permanent);

  EXPECT_EQ(block_list_body({"QQ==", "Qg=="}),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>QQ==</Latest><Latest>Qg==</Latest>"
            "</BlockList>");
  result<std::vector<AzureBlock>> blocks = parse_committed_blocks(
      "<BlockList><CommittedBlocks><Block><Name>QQ==</Name><Size>4</Size></Block></CommittedBlocks>"
      "<UncommittedBlocks/></BlockList>");
  ASSERT_OK(blocks);
  ASSERT_EQ(blocks->size(), 1u);
  EXPECT_EQ((*blocks)[0].size, 4u);
}

}  // namespace
}  // namespace strata::objstore::testing
