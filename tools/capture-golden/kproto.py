"""Minimal schema-driven Kafka protocol codec (Python 3 stdlib only).

Reads the Apache Kafka message schemas (``*Request.json`` / ``*Response.json``
with ``//`` comments) and encodes / decodes message bodies for any version the
schema describes, including flexible versions (compact strings/arrays, unsigned
varints, tagged fields).  Used only by the golden-capture tools; it is not part
of the broker.

Values are plain dicts keyed by the schema's field names; arrays of structs are
lists of dicts; ``records`` / ``bytes`` are ``bytes``; ``uuid`` is 16 ``bytes``.
"""

import json
import os
import struct
import uuid as _uuid

DEFAULT_SCHEMA_DIR = os.environ.get(
    "KAFKA_PROTOCOL_MESSAGES",
    os.path.join(os.path.dirname(os.path.abspath(__file__)),
                 "..", "..", "..", "shared", "kafka-protocol", "messages"))

# --------------------------------------------------------------------------- schema loading


def _strip_comments(text):
    """Remove // line comments that are outside JSON strings."""
    out = []
    i, n = 0, len(text)
    in_str = False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
            continue
        if c == '"':
            in_str = True
            out.append(c)
            i += 1
            continue
        if c == "/" and i + 1 < n and text[i + 1] == "/":
            while i < n and text[i] != "\n":
                i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


class VersionRange:
    def __init__(self, spec):
        spec = (spec or "none").strip()
        if spec == "none":
            self.lo, self.hi = 1, 0  # empty
        elif spec.endswith("+"):
            self.lo, self.hi = int(spec[:-1]), 1 << 15
        elif "-" in spec:
            a, b = spec.split("-")
            self.lo, self.hi = int(a), int(b)
        else:
            self.lo = self.hi = int(spec)

    def __contains__(self, v):
        return self.lo <= v <= self.hi


class Schema:
    def __init__(self, doc):
        self.doc = doc
        self.name = doc["name"]
        self.api_key = doc.get("apiKey")
        self.valid = VersionRange(doc.get("validVersions"))
        self.flexible = VersionRange(doc.get("flexibleVersions"))
        self.common = {s["name"]: s for s in doc.get("commonStructs", [])}
        self.fields = doc["fields"]


_cache = {}


def load(name, schema_dir=None):
    """Load e.g. load('MetadataRequest')."""
    schema_dir = schema_dir or DEFAULT_SCHEMA_DIR
    key = (schema_dir, name)
    if key not in _cache:
        with open(os.path.join(schema_dir, name + ".json"), encoding="utf-8") as f:
            _cache[key] = Schema(json.loads(_strip_comments(f.read())))
    return _cache[key]


def api_names(schema_dir=None):
    """Map api_key -> API name (without the Request suffix)."""
    schema_dir = schema_dir or DEFAULT_SCHEMA_DIR
    names = {}
    for fn in sorted(os.listdir(schema_dir)):
        if not fn.endswith("Request.json"):
            continue
        s = load(fn[:-5], schema_dir)
        if s.api_key is not None and s.doc.get("type") == "request":
            names[s.api_key] = s.name[: -len("Request")]
    return names


# --------------------------------------------------------------------------- primitives

_FIXED = {
    "bool": "?", "int8": "b", "int16": "h", "uint16": "H", "int32": "i",
    "uint32": "I", "int64": "q", "float64": "d",
}


def enc_uvarint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def enc_varint(v):  # zig-zag, 64-bit
    return enc_uvarint((v << 1) ^ (v >> 63))


class Reader:
    def __init__(self, data, pos=0):
        self.data = data
        self.pos = pos

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError("short read: need %d bytes at %d, have %d" %
                             (n, self.pos, len(self.data) - self.pos))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return bytes(b)

    def fixed(self, t):
        fmt = ">" + _FIXED[t]
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def uvarint(self):
        shift = v = 0
        while True:
            b = self.take(1)[0]
            v |= (b & 0x7F) << shift
            if not b & 0x80:
                return v
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")

    def varint(self):
        u = self.uvarint()
        return (u >> 1) ^ -(u & 1)

    def remaining(self):
        return len(self.data) - self.pos


# --------------------------------------------------------------------------- codec


def _default(field):
    t = field["type"]
    d = field.get("default")
    if d is not None and not isinstance(d, str):
        return d
    if d == "null":
        return None
    if t.startswith("[]"):
        return []
    if t in ("string",):
        return d if d is not None else ""
    if t == "bool":
        return d == "true"
    if t in _FIXED:
        return int(d, 0) if d is not None else 0
    if t == "uuid":
        return bytes(16)
    if t in ("bytes", "records"):
        return b""
    return {}  # struct


def _is_present(field, v):
    return v in VersionRange(field.get("versions"))


def _is_tagged(field, v):
    return "tag" in field and v in VersionRange(field.get("taggedVersions"))


def _nullable(field, v):
    return v in VersionRange(field.get("nullableVersions"))


def _field_flexible(field, flex):
    if field.get("flexibleVersions") == "none":
        return False
    return flex


class Codec:
    """Encoder/decoder for one schema at one version."""

    def __init__(self, schema, version, flexible=None):
        self.s = schema
        self.v = version
        self.flex = (version in schema.flexible) if flexible is None else flexible

    # ---- struct lookup
    def _struct_fields(self, field):
        if "fields" in field:
            return field["fields"]
        t = field["type"][2:] if field["type"].startswith("[]") else field["type"]
        return self.s.common[t]["fields"]

    # ---- encoding
    def encode(self, value):
        return self._enc_struct(self.s.fields, value or {})

    def _enc_struct(self, fields, value):
        out = bytearray()
        tagged = []
        for f in fields:
            if not _is_present(f, self.v):
                continue
            if _is_tagged(f, self.v):
                if f["name"] in value and value[f["name"]] is not None:
                    tagged.append((f["tag"], self._enc_value(f, value[f["name"]], True)))
                continue
            val = value.get(f["name"], _default(f))
            out += self._enc_value(f, val, _field_flexible(f, self.flex))
        if self.flex:
            tagged.extend(value.get("_unknown_tags", []))
            tagged.sort()
            out += enc_uvarint(len(tagged))
            for tag, data in tagged:
                out += enc_uvarint(tag) + enc_uvarint(len(data)) + data
        return bytes(out)

    def _enc_len(self, n, flex, nullable_null=False):
        if flex:
            return enc_uvarint(0 if nullable_null else n + 1)
        return struct.pack(">i", -1 if nullable_null else n)

    def _enc_value(self, f, val, flex):
        t = f["type"]
        if t.startswith("[]"):
            if val is None:
                return self._enc_len(0, flex, True)
            et = t[2:]
            out = bytearray(self._enc_len(len(val), flex))
            for e in val:
                out += self._enc_scalar(et, e, flex, f) if _is_scalar(et) else \
                    self._enc_struct(self._struct_fields(f), e)
            return bytes(out)
        if _is_scalar(t):
            return self._enc_scalar(t, val, flex, f)
        return self._enc_struct(self._struct_fields(f), val)

    def _enc_scalar(self, t, val, flex, f):
        if t in _FIXED:
            return struct.pack(">" + _FIXED[t], val)
        if t == "uuid":
            return bytes(val)
        if t == "string":
            if val is None:
                return enc_uvarint(0) if flex else struct.pack(">h", -1)
            b = val.encode("utf-8")
            return (enc_uvarint(len(b) + 1) if flex else struct.pack(">h", len(b))) + b
        if t in ("bytes", "records"):
            if val is None:
                return enc_uvarint(0) if flex else struct.pack(">i", -1)
            return (enc_uvarint(len(val) + 1) if flex else struct.pack(">i", len(val))) + bytes(val)
        raise ValueError("unsupported type " + t)

    # ---- decoding
    def decode(self, reader):
        return self._dec_struct(self.s.fields, reader)

    def _dec_struct(self, fields, r):
        value = {}
        for f in fields:
            if not _is_present(f, self.v) or _is_tagged(f, self.v):
                continue
            value[f["name"]] = self._dec_value(f, r, _field_flexible(f, self.flex))
        if self.flex:
            by_tag = {f["tag"]: f for f in fields
                      if _is_present(f, self.v) and _is_tagged(f, self.v)}
            n = r.uvarint()
            unknown = []
            for _ in range(n):
                tag = r.uvarint()
                size = r.uvarint()
                data = r.take(size)
                if tag in by_tag:
                    sub = Reader(data)
                    value[by_tag[tag]["name"]] = self._dec_value(by_tag[tag], sub, True)
                    if sub.remaining():
                        raise ValueError("tagged field %d not fully consumed" % tag)
                else:
                    unknown.append((tag, data))
            if unknown:
                value["_unknown_tags"] = unknown
        return value

    def _dec_len(self, r, flex):
        if flex:
            n = r.uvarint()
            return None if n == 0 else n - 1
        n = r.fixed("int32")
        return None if n < 0 else n

    def _dec_value(self, f, r, flex):
        t = f["type"]
        if t.startswith("[]"):
            n = self._dec_len(r, flex)
            if n is None:
                return None
            et = t[2:]
            if _is_scalar(et):
                return [self._dec_scalar(et, r, flex) for _ in range(n)]
            return [self._dec_struct(self._struct_fields(f), r) for _ in range(n)]
        if _is_scalar(t):
            return self._dec_scalar(t, r, flex)
        return self._dec_struct(self._struct_fields(f), r)

    def _dec_scalar(self, t, r, flex):
        if t in _FIXED:
            return r.fixed(t)
        if t == "uuid":
            return r.take(16)
        if t == "string":
            if flex:
                n = r.uvarint() - 1
            else:
                n = r.fixed("int16")
            return None if n < 0 else r.take(n).decode("utf-8")
        if t in ("bytes", "records"):
            n = self._dec_len(r, flex)
            return None if n is None else r.take(n)
        raise ValueError("unsupported type " + t)


def _is_scalar(t):
    return t in _FIXED or t in ("string", "bytes", "records", "uuid")


# --------------------------------------------------------------------------- headers


def request_header_version(api_key, api_version, schema_dir=None):
    names = api_names(schema_dir)
    req = load(names[api_key] + "Request", schema_dir)
    if api_key == 7 and api_version == 0:  # ControlledShutdown v0
        return 0
    return 2 if api_version in req.flexible else 1


def response_header_version(api_key, api_version, schema_dir=None):
    names = api_names(schema_dir)
    if api_key == 18:  # ApiVersions response header is always v0
        return 0
    resp = load(names[api_key] + "Response", schema_dir)
    return 1 if api_version in resp.flexible else 0


def decode_request(frame, schema_dir=None):
    """Decode a request frame (without the 4-byte size prefix).

    Returns (header_dict, body_dict, api_name, bytes_consumed)."""
    r = Reader(frame)
    api_key = struct.unpack(">h", frame[0:2])[0]
    api_version = struct.unpack(">h", frame[2:4])[0]
    names = api_names(schema_dir)
    hv = request_header_version(api_key, api_version, schema_dir)
    header = Codec(load("RequestHeader", schema_dir), hv, flexible=(hv >= 2)).decode(r)
    name = names[api_key]
    body = Codec(load(name + "Request", schema_dir), api_version).decode(r)
    return header, body, name, r.pos


def encode_response(api_key, api_version, correlation_id, body, schema_dir=None):
    """Encode header + body (without the 4-byte size prefix)."""
    names = api_names(schema_dir)
    hv = response_header_version(api_key, api_version, schema_dir)
    header = struct.pack(">i", correlation_id) + (b"\x00" if hv >= 1 else b"")
    codec = Codec(load(names[api_key] + "Response", schema_dir), api_version)
    return header + codec.encode(body)


# --------------------------------------------------------------------------- record batches

_CRC32C_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC32C_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def build_record_batch(base_offset, records, base_timestamp):
    """records: list of (key bytes|None, value bytes|None). Uncompressed magic-2 batch."""
    body = bytearray()
    for i, (k, v) in enumerate(records):
        rec = bytearray()
        rec += b"\x00"                    # attributes
        rec += enc_varint(0)              # timestamp delta
        rec += enc_varint(i)              # offset delta
        rec += enc_varint(-1) if k is None else enc_varint(len(k)) + k
        rec += enc_varint(-1) if v is None else enc_varint(len(v)) + v
        rec += enc_varint(0)              # headers
        body += enc_varint(len(rec)) + rec
    after_crc = struct.pack(">hiqqqhii", 0, len(records) - 1, base_timestamp, base_timestamp,
                            -1, -1, -1, len(records)) + bytes(body)
    crc = crc32c(after_crc)
    after_len = struct.pack(">ibI", 0, 2, crc) + after_crc  # leader epoch, magic, crc
    return struct.pack(">qi", base_offset, len(after_len)) + after_len


def parse_record_batches(data):
    """Parse a records blob into a list of batch dicts (magic 2; magic 0/1 summarised)."""
    import gzip
    import zlib
    out = []
    r = Reader(data)
    while r.remaining() >= 12:
        base_offset = r.fixed("int64")
        length = r.fixed("int32")
        if length > r.remaining():
            out.append({"truncated": True})
            break
        blob = r.take(length)
        br = Reader(blob)
        leader_epoch_or_crc = br.fixed("int32")
        magic = br.fixed("int8")
        b = {"base_offset": base_offset, "batch_length": length, "magic": magic}
        if magic < 2:
            attrs = br.fixed("int8")
            b["crc_ok"] = (zlib.crc32(blob[4:]) & 0xFFFFFFFF) == (leader_epoch_or_crc & 0xFFFFFFFF)
            b["compression"] = attrs & 0x07
            out.append(b)
            continue
        crc = br.fixed("uint32")
        b["partition_leader_epoch"] = leader_epoch_or_crc
        b["crc"] = crc
        b["crc_ok"] = crc32c(blob[br.pos:]) == crc
        attrs = br.fixed("int16")
        b["attributes"] = attrs
        b["compression"] = attrs & 0x07
        b["last_offset_delta"] = br.fixed("int32")
        b["base_timestamp"] = br.fixed("int64")
        b["max_timestamp"] = br.fixed("int64")
        b["producer_id"] = br.fixed("int64")
        b["producer_epoch"] = br.fixed("int16")
        b["base_sequence"] = br.fixed("int32")
        count = br.fixed("int32")
        b["record_count"] = count
        payload = blob[br.pos:]
        if b["compression"] == 1:
            payload = gzip.decompress(payload)
        elif b["compression"] != 0:
            out.append(b)
            continue
        pr = Reader(payload)
        recs = []
        for _ in range(count):
            ln = pr.varint()
            rr = Reader(pr.take(ln))
            rr.fixed("int8")
            rr.varint()
            od = rr.varint()
            kl = rr.varint()
            k = None if kl < 0 else rr.take(kl)
            vl = rr.varint()
            v = None if vl < 0 else rr.take(vl)
            nh = rr.varint()
            recs.append({"offset_delta": od,
                         "key": None if k is None else k.decode("utf-8", "replace"),
                         "value": None if v is None else v.decode("utf-8", "replace"),
                         "headers": nh})
        b["records"] = recs
        out.append(b)
    return out


def uuid_str(b):
    return str(_uuid.UUID(bytes=bytes(b)))
