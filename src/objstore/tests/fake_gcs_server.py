#!/usr/bin/env python3
"""A tiny stand-in for GCS's XML API on loopback, for gcs_object_store_test: just enough of it
(objects, ranges, ListObjectsV2, multipart uploads) to drive the S3 client in its GCS dialect, and
strict about what the test checks. A PUT of a key ending in "/throttled-once" first gets 503
SlowDown, and any request for a key ending in "/skewed" gets 403 RequestTimeTooSkewed. Every request is logged as one JSON line (method, path, query,
headers) for the test to inspect, and its GOOG4-HMAC-SHA256 signature and x-goog-content-sha256
payload hash are verified as GCS would (403 SignatureDoesNotMatch otherwise). DeleteObjects, which
GCS's XML API lacks, answers 501 NotImplemented.

    fake_gcs_server.py --port-file F --log F --access-key K --secret S
"""
import argparse
import base64
import os
import hashlib
import hmac
import json
import threading
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUCKET = "strata-gcs"


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    TABLE.append(c)


def quote(s, safe):
    return urllib.parse.quote(s, safe=safe)


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.objects = {}  # key -> (data, meta headers, etag)
        self.uploads = {}  # id -> (key, meta headers, {part: data})
        self.next_upload = 1
        self.throttled = set()  # keys whose first PUT got 503 SlowDown


STORE = Store()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    # --- plumbing ---
    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.command != "HEAD" or "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code):
        body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{code}</Message></Error>'
        self.reply(status, body.encode(), {"Content-Type": "application/xml"})

    def check_signature(self, body):
        auth = self.headers.get("Authorization", "")
        prefix = "GOOG4-HMAC-SHA256 "
        if not auth.startswith(prefix):
            return False
        fields = dict(p.strip().split("=", 1) for p in auth[len(prefix):].split(","))
        key_id, date, region, service, term = fields["Credential"].split("/")
        if key_id != ARGS.access_key or term != "goog4_request":
            return False
        signed = fields["SignedHeaders"].split(";")
        payload = self.headers.get("x-goog-content-sha256", "")
        if payload != hashlib.sha256(body).hexdigest():
            return False
        url = urllib.parse.urlsplit(self.path)
        query = sorted(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        canonical_query = "&".join(f"{quote(k, '-_.~')}={quote(v, '-_.~')}" for k, v in query)
        canonical_headers = "".join(f"{h}:{' '.join(self.headers.get(h, '').split())}\n" for h in signed)
        canonical = "\n".join([self.command, url.path, canonical_query, canonical_headers, ";".join(signed), payload])
        timestamp = self.headers.get("x-goog-date", "")
        to_sign = "\n".join(["GOOG4-HMAC-SHA256", timestamp, f"{date}/{region}/{service}/{term}",
                             hashlib.sha256(canonical.encode()).hexdigest()])
        k = ("GOOG4" + ARGS.secret).encode()
        for part in (date, region, service, term):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        return hmac.compare_digest(hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest(), fields["Signature"])

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        with open(ARGS.log, "a") as log:
            log.write(json.dumps({"method": self.command, "path": url.path, "query": url.query,
                                  "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")
        if not self.check_signature(body):
            return self.error(403, "SignatureDoesNotMatch")
        parts = url.path.split("/", 2)
        if len(parts) < 2 or parts[1] != BUCKET:
            return self.error(404, "NoSuchBucket")
        key = urllib.parse.unquote(parts[2]) if len(parts) == 3 else ""
        if not key:
            if self.command == "GET" and query.get("list-type") == "2":
                return self.list(query)
            if self.command == "POST" and "delete" in query:
                return self.error(501, "NotImplemented")
            return self.error(400, "InvalidRequest")
        # Keys that make the server misbehave, for the client's error handling:
        if key.endswith("/throttled-once") and self.command == "PUT" and key not in STORE.throttled:
            STORE.throttled.add(key)
            return self.error(503, "SlowDown")
        if key.endswith("/skewed"):
            return self.error(403, "RequestTimeTooSkewed")
        with STORE.lock:
            return self.object(key, query, body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_any

    # --- objects ---
    def meta(self):
        return {k.lower(): v for k, v in self.headers.items() if k.lower().startswith("x-goog-meta-")}

    def create_only_conflict(self, key):
        return self.headers.get("x-goog-if-generation-match") == "0" and key in STORE.objects

    def publish(self, key, data, meta, etag):
        # The CRC32C of x-goog-hash, computed once (pure Python is slow).
        meta = dict(meta, **{"x-goog-hash": "crc32c=%s" % base64.b64encode(crc32c(data).to_bytes(4, "big")).decode()})
        STORE.objects[key] = (data, meta, etag)

    def object(self, key, query, body):
        cmd = self.command
        if cmd == "PUT" and "uploadId" in query:
            upload = STORE.uploads.get(query["uploadId"])
            if upload is None:
                return self.error(404, "NoSuchUpload")
            upload[2][int(query["partNumber"])] = body
            return self.reply(200, b"", {"ETag": '"%s"' % hashlib.md5(body).hexdigest()})
        if cmd == "PUT":
            if self.create_only_conflict(key):
                return self.error(412, "PreconditionFailed")
            etag = hashlib.md5(body).hexdigest()
            self.publish(key, body, self.meta(), etag)
            return self.reply(200, b"", {"ETag": '"%s"' % etag})
        if cmd == "POST" and "uploads" in query:
            upload_id = f"upload-{STORE.next_upload}"
            STORE.next_upload += 1
            STORE.uploads[upload_id] = (key, self.meta(), {})
            xml = (f"<InitiateMultipartUploadResult><Bucket>{BUCKET}</Bucket><Key>{key}</Key>"
                   f"<UploadId>{upload_id}</UploadId></InitiateMultipartUploadResult>")
            return self.reply(200, xml.encode(), {"Content-Type": "application/xml"})
        if cmd == "POST" and "uploadId" in query:
            upload = STORE.uploads.pop(query["uploadId"], None)
            if upload is None:
                return self.error(404, "NoSuchUpload")
            if self.create_only_conflict(key):
                return self.error(412, "PreconditionFailed")
            data = b"".join(upload[2][n] for n in sorted(upload[2]))
            etag = "composite-%d" % len(upload[2])  # GCS's multipart ETags are not MD5s
            self.publish(key, data, upload[1], etag)
            xml = f"<CompleteMultipartUploadResult><ETag>\"{etag}\"</ETag></CompleteMultipartUploadResult>"
            return self.reply(200, xml.encode(), {"Content-Type": "application/xml"})
        if cmd == "DELETE" and "uploadId" in query:
            STORE.uploads.pop(query["uploadId"], None)
            return self.reply(204)
        if cmd == "DELETE":
            STORE.objects.pop(key, None)
            return self.reply(204)
        if cmd in ("GET", "HEAD"):
            if key not in STORE.objects:
                return self.error(404, "NoSuchKey")
            data, meta, etag = STORE.objects[key]
            headers = dict(meta)
            headers.update({"ETag": '"%s"' % etag, "Last-Modified": formatdate(usegmt=True),
                            "Content-Type": "application/octet-stream"})
            status = 200
            rng = self.headers.get("Range")
            if rng:
                first, last = rng.split("=")[1].split("-")
                first, last = int(first), min(int(last), len(data) - 1)
                if first >= len(data):
                    return self.error(416, "InvalidRange")
                headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
                data = data[first:last + 1]
                status = 206
            if cmd == "HEAD":
                headers["Content-Length"] = str(len(data))
                return self.reply(status, b"", headers)
            return self.reply(status, data, headers)
        return self.error(400, "InvalidRequest")

    def list(self, query):
        prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
        max_keys = int(query.get("max-keys", "1000"))
        after, skip_prefix = "", None
        if "continuation-token" in query:
            token = query["continuation-token"]
            after = bytes.fromhex(token.split(":")[0]).decode()
            skip_prefix = after if token.endswith(":p") else None
        entries = []
        with STORE.lock:
            for key in sorted(STORE.objects):
                if not key.startswith(prefix) or key <= after:
                    continue
                if skip_prefix is not None and key.startswith(skip_prefix):
                    continue
                rest = key[len(prefix):]
                if delimiter and delimiter in rest:
                    cp = prefix + rest[:rest.index(delimiter) + len(delimiter)]
                    if not entries or entries[-1] != ("prefix", cp):
                        entries.append(("prefix", cp))
                else:
                    entries.append(("key", key))
        page, more = entries[:max_keys], len(entries) > max_keys
        xml = "<ListBucketResult><EncodingType>url</EncodingType>"
        for kind, name in page:
            if kind == "key":
                data, _, etag = STORE.objects[name]
                xml += (f"<Contents><Key>{quote(name, '/')}</Key><Size>{len(data)}</Size><ETag>\"{etag}\"</ETag>"
                        "<LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>")
            else:
                xml += f"<CommonPrefixes><Prefix>{quote(name, '/')}</Prefix></CommonPrefixes>"
        xml += f"<IsTruncated>{'true' if more else 'false'}</IsTruncated>"
        if more:
            kind, last = page[-1]
            token = last.encode().hex() + (":p" if kind == "prefix" else "")
            xml += f"<NextContinuationToken>{token}</NextContinuationToken>"
        xml += "</ListBucketResult>"
        self.reply(200, xml.encode(), {"Content-Type": "application/xml"})


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret", required=True)
    ARGS = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
