#!/usr/bin/env python3
"""A tiny fake Kafka broker that records the raw request frames real clients send.

Python 3 stdlib only.  Listens on 127.0.0.1:<port>, reads size-prefixed request
frames, saves each raw frame (without the 4-byte size prefix, i.e. starting at
the request header's api_key) to

    <out-dir>/<label>_<ApiName>_v<version>[_<suffix>].bin

(first occurrence of each (api, version) per label only; existing files are
never overwritten), and answers with minimal valid responses built from the
Kafka message schemas (see kproto.py) so that the client goes on to its next
step.

One broker (node 1 = 127.0.0.1:<port>), one topic "golden" with one partition
(0) led by node 1.  Partition 0 always holds two records at offsets 0 and 1
(k1:v1, k2:v2), so a consumer that fetches from the beginning gets them.
"""

import argparse
import os
import socket
import socketserver
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kproto  # noqa: E402

TOPIC = "golden"
TOPIC_ID = bytes.fromhex("6f6c64656e2d746f7069632d69642d31")  # fixed, non-zero
NODE_ID = 1
CLUSTER_ID = "strata-golden-cluster"
SEED_RECORDS = [(b"k1", b"v1"), (b"k2", b"v2")]
SEED_TIMESTAMP_MS = 1700000000000
LOG_END = len(SEED_RECORDS)

# Roughly the set a Kafka 3.6 broker advertises (name -> (min, max)); capped to the
# versions the local schemas know.
ADVERTISED = {
    "Produce": (0, 9), "Fetch": (0, 15), "ListOffsets": (0, 8), "Metadata": (0, 12),
    "OffsetCommit": (0, 8), "OffsetFetch": (0, 8), "FindCoordinator": (0, 4),
    "JoinGroup": (0, 9), "Heartbeat": (0, 4), "LeaveGroup": (0, 5), "SyncGroup": (0, 5),
    "DescribeGroups": (0, 5), "ListGroups": (0, 4), "SaslHandshake": (0, 1),
    "ApiVersions": (0, 3), "CreateTopics": (0, 7), "DeleteTopics": (0, 6),
    "DeleteRecords": (0, 2), "InitProducerId": (0, 4), "OffsetForLeaderEpoch": (0, 4),
    "AddPartitionsToTxn": (0, 4), "AddOffsetsToTxn": (0, 3), "EndTxn": (0, 3),
    "WriteTxnMarkers": (0, 1), "TxnOffsetCommit": (0, 3), "DescribeAcls": (0, 3),
    "CreateAcls": (0, 3), "DeleteAcls": (0, 3), "DescribeConfigs": (0, 4),
    "AlterConfigs": (0, 2), "AlterReplicaLogDirs": (0, 2), "DescribeLogDirs": (0, 4),
    "SaslAuthenticate": (0, 2), "CreatePartitions": (0, 3), "CreateDelegationToken": (0, 3),
    "RenewDelegationToken": (0, 2), "ExpireDelegationToken": (0, 2),
    "DescribeDelegationToken": (0, 3), "DeleteGroups": (0, 2), "ElectLeaders": (0, 2),
    "IncrementalAlterConfigs": (0, 1), "AlterPartitionReassignments": (0, 0),
    "ListPartitionReassignments": (0, 0), "OffsetDelete": (0, 0),
    "DescribeClientQuotas": (0, 1), "AlterClientQuotas": (0, 1),
    "DescribeUserScramCredentials": (0, 0), "AlterUserScramCredentials": (0, 0),
    "DescribeProducers": (0, 0), "DescribeTransactions": (0, 0), "ListTransactions": (0, 0),
    "DescribeCluster": (0, 1),
}

UNSUPPORTED_VERSION = 35
UNKNOWN_TOPIC_OR_PARTITION = 3


class Broker:
    def __init__(self, args):
        self.args = args
        self.names = kproto.api_names()
        self.keys = {v: k for k, v in self.names.items()}
        self.lock = threading.Lock()
        self.next_offset = {}  # (topic, partition) -> next produce offset
        self.seen = {}  # (api, version) -> occurrences, for --nth
        self.suffix_apis = set(a for a in (args.suffix_apis or "").split(",") if a)
        adv = []
        for name, (lo, hi) in ADVERTISED.items():
            if name not in self.keys:
                continue
            req = kproto.load(name + "Request")
            adv.append({"ApiKey": self.keys[name], "MinVersion": max(lo, req.valid.lo),
                        "MaxVersion": min(hi, req.valid.hi)})
        self.advertised = sorted(adv, key=lambda a: a["ApiKey"])
        self.port = None

    def log(self, msg):
        print("[fake_broker %s] %s" % (self.args.label, msg), file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ capture
    def save(self, api_name, version, frame):
        suffix = ""
        if self.args.suffix and (not self.suffix_apis or api_name in self.suffix_apis):
            suffix = "_" + self.args.suffix
            with self.lock:
                n = self.seen[(api_name, version)] = self.seen.get((api_name, version), 0) + 1
            if n != self.args.nth:
                return
        fn = "%s_%s_v%d%s.bin" % (self.args.label, api_name, version, suffix)
        path = os.path.join(self.args.out_dir, fn)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return
        with os.fdopen(fd, "wb") as f:
            f.write(frame)
        self.log("captured %s (%d bytes)" % (fn, len(frame)))

    # ------------------------------------------------------------------ dispatch
    def handle(self, frame):
        """Return response bytes (without size prefix) or None for no response."""
        api_key, version = struct.unpack(">hh", frame[:4])
        api_name = self.names.get(api_key, "Api%d" % api_key)
        self.save(api_name, version, frame)
        if api_key == self.keys["ApiVersions"]:
            return self.api_versions(frame, version)
        header, body, _, used = kproto.decode_request(frame)
        if used != len(frame):
            self.log("WARNING: %s v%d: decoded %d of %d bytes" % (api_name, version, used,
                                                                  len(frame)))
        cid = header["CorrelationId"]
        self.log("%s v%d corr=%d client=%r" % (api_name, version, cid, header.get("ClientId")))
        handler = getattr(self, "h_" + api_name, None)
        if handler is None:
            self.log("no handler for %s v%d; not answering" % (api_name, version))
            return None
        resp = handler(version, body)
        if resp is None:
            return None
        return kproto.encode_response(api_key, version, cid, resp)

    def api_versions(self, frame, version):
        cid = struct.unpack(">i", frame[4:8])[0]
        if version > 3:
            # KIP-511: answer v0 with UNSUPPORTED_VERSION and our ApiVersions range.
            self.log("ApiVersions v%d unsupported; answering v0 error" % version)
            body = {"ErrorCode": UNSUPPORTED_VERSION,
                    "ApiKeys": [a for a in self.advertised if a["ApiKey"] == 18]}
            return kproto.encode_response(18, 0, cid, body)
        _, req, _, used = kproto.decode_request(frame)
        self.log("ApiVersions v%d corr=%d %s" % (version, cid, req))
        body = {"ErrorCode": 0, "ApiKeys": self.advertised, "ThrottleTimeMs": 0}
        return kproto.encode_response(18, version, cid, body)

    # ------------------------------------------------------------------ handlers
    def topic_metadata(self, name):
        if name != TOPIC:
            return {"ErrorCode": UNKNOWN_TOPIC_OR_PARTITION, "Name": name,
                    "TopicId": bytes(16), "IsInternal": False, "Partitions": []}
        return {"ErrorCode": 0, "Name": TOPIC, "TopicId": TOPIC_ID, "IsInternal": False,
                "Partitions": [{"ErrorCode": 0, "PartitionIndex": 0, "LeaderId": NODE_ID,
                                "LeaderEpoch": 0, "ReplicaNodes": [NODE_ID],
                                "IsrNodes": [NODE_ID], "OfflineReplicas": []}]}

    def h_Metadata(self, version, body):
        topics = body.get("Topics")
        if topics is None or (version == 0 and topics == []):
            names = [TOPIC]
        else:
            names = [t["Name"] for t in topics]
        return {"ThrottleTimeMs": 0,
                "Brokers": [{"NodeId": NODE_ID, "Host": "127.0.0.1", "Port": self.port,
                             "Rack": None}],
                "ClusterId": CLUSTER_ID, "ControllerId": NODE_ID,
                "Topics": [self.topic_metadata(n) for n in names]}

    def h_Produce(self, version, body):
        if body["Acks"] == 0:
            return None
        responses = []
        for t in body["TopicData"]:
            parts = []
            for p in t["PartitionData"]:
                key = (t["Name"], p["Index"])
                ok = t["Name"] == TOPIC and p["Index"] == 0
                count = sum(b.get("record_count", 1) for b in
                            kproto.parse_record_batches(p["Records"] or b""))
                with self.lock:
                    base = self.next_offset.get(key, LOG_END)
                    self.next_offset[key] = base + count
                parts.append({"Index": p["Index"],
                              "ErrorCode": 0 if ok else UNKNOWN_TOPIC_OR_PARTITION,
                              "BaseOffset": base if ok else -1, "LogAppendTimeMs": -1,
                              "LogStartOffset": 0, "RecordErrors": [], "ErrorMessage": None})
            responses.append({"Name": t["Name"], "PartitionResponses": parts})
        return {"Responses": responses, "ThrottleTimeMs": 0}

    def h_Fetch(self, version, body):
        out_topics = []
        have_data = False
        for t in body["Topics"]:
            name = t.get("Topic")
            if name is None:
                name = TOPIC if t.get("TopicId") == TOPIC_ID else None
            parts = []
            for p in t["Partitions"]:
                ok = name == TOPIC and p["Partition"] == 0
                records = b""
                if ok and p["FetchOffset"] < LOG_END:
                    records = kproto.build_record_batch(0, SEED_RECORDS, SEED_TIMESTAMP_MS)
                    have_data = True
                parts.append({"PartitionIndex": p["Partition"],
                              "ErrorCode": 0 if ok else UNKNOWN_TOPIC_OR_PARTITION,
                              "HighWatermark": LOG_END if ok else -1,
                              "LastStableOffset": LOG_END if ok else -1,
                              "LogStartOffset": 0 if ok else -1,
                              "AbortedTransactions": [], "PreferredReadReplica": -1,
                              "Records": records})
            resp_t = {"Topic": name or "", "TopicId": t.get("TopicId", bytes(16)),
                      "Partitions": parts}
            out_topics.append(resp_t)
        if not have_data:
            time.sleep(min(body.get("MaxWaitMs", 0), 1000) / 1000.0)
        return {"ThrottleTimeMs": 0, "ErrorCode": 0, "SessionId": 0, "Responses": out_topics}

    def h_ListOffsets(self, version, body):
        topics = []
        for t in body["Topics"]:
            parts = []
            for p in t["Partitions"]:
                ok = t["Name"] == TOPIC and p["PartitionIndex"] == 0
                ts = p["Timestamp"]
                off = 0 if ts == -2 else LOG_END if ts == -1 else 0
                parts.append({"PartitionIndex": p["PartitionIndex"],
                              "ErrorCode": 0 if ok else UNKNOWN_TOPIC_OR_PARTITION,
                              "OldStyleOffsets": [off] if ok else [],
                              "Timestamp": -1, "Offset": off if ok else -1,
                              "LeaderEpoch": 0})
            topics.append({"Name": t["Name"], "Partitions": parts})
        return {"ThrottleTimeMs": 0, "Topics": topics}

    def h_OffsetForLeaderEpoch(self, version, body):
        topics = []
        for t in body["Topics"]:
            parts = [{"ErrorCode": 0, "Partition": p["Partition"], "LeaderEpoch": 0,
                      "EndOffset": LOG_END} for p in t["Partitions"]]
            topics.append({"Topic": t["Topic"], "Partitions": parts})
        return {"ThrottleTimeMs": 0, "Topics": topics}

    def h_FindCoordinator(self, version, body):
        node = {"NodeId": NODE_ID, "Host": "127.0.0.1", "Port": self.port,
                "ErrorCode": 0, "ErrorMessage": None}
        if version >= 4:
            return {"ThrottleTimeMs": 0,
                    "Coordinators": [dict(node, Key=k) for k in body["CoordinatorKeys"]]}
        return dict(node, ThrottleTimeMs=0)

    def h_InitProducerId(self, version, body):
        return {"ThrottleTimeMs": 0, "ErrorCode": 0, "ProducerId": 1000, "ProducerEpoch": 0}

    # Consumer-group APIs: a single-member group whose member is the leader.
    MEMBER_ID = "golden-member-1"

    def h_JoinGroup(self, version, body):
        proto = body["Protocols"][0]
        member = body["MemberId"] or self.MEMBER_ID
        return {"ThrottleTimeMs": 0, "ErrorCode": 0, "GenerationId": 1,
                "ProtocolType": body["ProtocolType"], "ProtocolName": proto["Name"],
                "Leader": member, "SkipAssignment": False, "MemberId": member,
                "Members": [{"MemberId": member, "GroupInstanceId": body.get("GroupInstanceId"),
                             "Metadata": proto["Metadata"]}]}

    def h_SyncGroup(self, version, body):
        mine = [a["Assignment"] for a in body["Assignments"] if a["MemberId"] == body["MemberId"]]
        return {"ThrottleTimeMs": 0, "ErrorCode": 0, "ProtocolType": body.get("ProtocolType"),
                "ProtocolName": body.get("ProtocolName"),
                "Assignment": mine[0] if mine else b""}

    def h_Heartbeat(self, version, body):
        return {"ThrottleTimeMs": 0, "ErrorCode": 0}

    def h_LeaveGroup(self, version, body):
        members = [{"MemberId": m["MemberId"], "GroupInstanceId": m.get("GroupInstanceId"),
                    "ErrorCode": 0} for m in body.get("Members", [])]
        return {"ThrottleTimeMs": 0, "ErrorCode": 0, "Members": members}

    @staticmethod
    def _no_committed_offsets(topics):
        return [{"Name": t["Name"],
                 "Partitions": [{"PartitionIndex": p, "CommittedOffset": -1,
                                 "CommittedLeaderEpoch": -1, "Metadata": "", "ErrorCode": 0}
                                for p in t["PartitionIndexes"]]}
                for t in (topics or [])]

    def h_OffsetFetch(self, version, body):
        if version >= 8:
            return {"ThrottleTimeMs": 0,
                    "Groups": [{"GroupId": g["GroupId"],
                                "Topics": self._no_committed_offsets(g["Topics"]),
                                "ErrorCode": 0} for g in body["Groups"]]}
        return {"ThrottleTimeMs": 0, "Topics": self._no_committed_offsets(body["Topics"]),
                "ErrorCode": 0}

    def h_OffsetCommit(self, version, body):
        return {"ThrottleTimeMs": 0,
                "Topics": [{"Name": t["Name"],
                            "Partitions": [{"PartitionIndex": p["PartitionIndex"], "ErrorCode": 0}
                                           for p in t["Partitions"]]}
                           for t in body["Topics"]]}


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def make_handler(broker):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            sock = self.request
            broker.log("connection from %s:%d" % self.client_address)
            while True:
                hdr = recv_exact(sock, 4)
                if hdr is None:
                    break
                (size,) = struct.unpack(">i", hdr)
                if size < 8 or size > 64 << 20:
                    broker.log("bad frame size %d; closing" % size)
                    break
                frame = recv_exact(sock, size)
                if frame is None:
                    break
                try:
                    resp = broker.handle(frame)
                except Exception as e:  # keep the broker alive; close this connection
                    broker.log("error handling frame: %r; closing" % (e,))
                    break
                if resp is not None:
                    sock.sendall(struct.pack(">i", len(resp)) + resp)
            broker.log("connection from %s:%d closed" % self.client_address)
    return Handler


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    ap.add_argument("--port-file", help="write the chosen port here once listening")
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--label", required=True, help="client label used as file name prefix")
    ap.add_argument("--suffix", default="", help="extra file name suffix, e.g. gzip")
    ap.add_argument("--suffix-apis", default="",
                    help="comma-separated API names the suffix applies to (default: all)")
    ap.add_argument("--nth", type=int, default=1,
                    help="for suffixed APIs, save the n-th occurrence (default: first)")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    broker = Broker(args)
    srv = Server(("127.0.0.1", args.port), make_handler(broker))
    broker.port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % broker.port)
        os.replace(tmp, args.port_file)
    broker.log("listening on 127.0.0.1:%d" % broker.port)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
