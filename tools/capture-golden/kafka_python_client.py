#!/usr/bin/python3
"""Drive kafka-python (Debian python3-kafka) against the fake broker.

Usage: kafka_python_client.py 127.0.0.1:PORT produce|produce-gzip|consume|group-consume

produce[-gzip]: KafkaProducer (linger_ms=100) sends k1:v1 and k2:v2 to golden/0 and
                flushes (produce-gzip: compression_type='gzip' and longer, compressible
                values).
consume:        KafkaConsumer assign([golden/0]) + seek_to_beginning, no consumer
                group, polls until two records arrive or 10 s pass.
group-consume:  KafkaConsumer subscribed to golden in group golden-group
                (auto_offset_reset=earliest), polls as above, commits, closes.

kafka-python's defaults are kept otherwise (client ids, api_version=None: it
probes the broker with ApiVersions v0 and picks request versions from the
broker version it infers).
"""

import logging
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


# Values for the gzip run: compressible, otherwise kafka-python sends the batch
# uncompressed (it only compresses when that makes the batch smaller).
GZIP_VALUE = b"golden-gzip-" * 8


def produce(bootstrap, compression):
    # linger_ms=100 (default 0) so both records go into one batch / one Produce request.
    producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=compression,
                             linger_ms=100)
    if compression:
        records = ((b"k1", GZIP_VALUE + b"1"), (b"k2", GZIP_VALUE + b"2"))
    else:
        records = ((b"k1", b"v1"), (b"k2", b"v2"))
    futures = [producer.send("golden", key=k, value=v, partition=0) for k, v in records]
    producer.flush(timeout=10)
    for f in futures:
        md = f.get(timeout=10)
        print("produced to %s-%d @%d" % (md.topic, md.partition, md.offset))
    producer.close(timeout=5)
    return 0


def consume(bootstrap, group):
    if group:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id="golden-group",
                                 auto_offset_reset="earliest", enable_auto_commit=False)
        # Load topic metadata first so the first JoinGroup/SyncGroup round already
        # assigns golden/0 (otherwise kafka-python's first assignment is empty).
        consumer.partitions_for_topic("golden")
        consumer.subscribe(["golden"])
    else:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                 enable_auto_commit=False)
        tp = TopicPartition("golden", 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
    got = []
    deadline = time.time() + 10
    while len(got) < 2 and time.time() < deadline:
        for recs in consumer.poll(timeout_ms=500).values():
            got.extend(recs)
    for r in got:
        print("consumed %s:%s @%d" % (r.key.decode(), r.value.decode(), r.offset))
    if group and got:
        consumer.commit()
    consumer.close()
    return 0 if len(got) >= 2 else 1


def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    bootstrap, mode = sys.argv[1], sys.argv[2]
    if mode == "produce":
        return produce(bootstrap, None)
    if mode == "produce-gzip":
        return produce(bootstrap, "gzip")
    if mode == "consume":
        return consume(bootstrap, False)
    if mode == "group-consume":
        return consume(bootstrap, True)
    print("unknown mode " + mode, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
