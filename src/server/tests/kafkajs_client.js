// kafkajs (npm, pinned in tools/package.json) driving a Strata broker, for admin_apis_test.py.
//
//   NODE_PATH=tools/node_modules node kafkajs_client.js 127.0.0.1:PORT SCENARIO
//
// Prints one JSON line with what it saw; the Python test asserts on it. Any error exits non-zero.
'use strict';

const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, scenario] = process.argv.slice(2);
const kafka = new Kafka({
  clientId: 'strata-kafkajs-test',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 3, initialRetryTime: 100 },
  connectionTimeout: 5000,
  requestTimeout: 10000,
});

async function producerAndAdmin() {
  const admin = kafka.admin();
  await admin.connect();
  const out = {};
  out.created = await admin.createTopics({
    topics: [{ topic: 'orders', numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  out.topics = await admin.listTopics();
  const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
  out.partitions = metadata.topics[0].partitions.length;

  // An idempotent producer: kafkajs asks the controller for a producer id (InitProducerId).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const perPartition = [0, 0, 0];
  out.produced = 0;
  for (let batch = 0; batch < 10; batch++) {
    const messages = [];
    for (let i = 0; i < 30; i++) {
      const n = batch * 30 + i;
      messages.push({ key: `key-${n}`, value: `value-${n}`, partition: n % 3, headers: { n: `${n}` } });
      perPartition[n % 3]++;
    }
    const acks = await producer.send({ topic: 'orders', acks: -1, messages });
    out.produced += messages.length;
    if (acks.some((a) => a.errorCode !== 0)) throw new Error(`produce errors: ${JSON.stringify(acks)}`);
  }
  const events = [];
  for (let i = 0; i < 100; i++) events.push({ value: `event-${i}` });
  await producer.send({ topic: 'events', acks: -1, messages: events });  // auto-created
  await producer.disconnect();
  out.expectedPerPartition = perPartition;

  const offsets = await admin.fetchTopicOffsets('orders');
  out.highWatermarks = {};
  for (const o of offsets) out.highWatermarks[o.partition] = Number(o.high);

  // DeleteRecords, then the low watermark of partition 0.
  await admin.deleteTopicRecords({ topic: 'orders', partitions: [{ partition: 0, offset: '10' }] });
  const after = await admin.fetchTopicOffsets('orders');
  out.lowAfterDelete = Number(after.find((o) => o.partition === 0).low);

  // AlterConfigs (kafkajs uses the legacy API), then DescribeConfigs.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: 2, name: 'orders', configEntries: [{ name: 'retention.ms', value: '123456' }] }],
  });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: 2, name: 'orders', configNames: ['retention.ms'] }],
  });
  out.retentionMs = described.resources[0].configEntries[0].configValue;

  const cluster = await admin.describeCluster();
  out.clusterBrokers = cluster.brokers.map((b) => [b.nodeId, b.host, b.port]);
  out.controller = cluster.controller;

  await admin.deleteTopics({ topics: ['orders'] });
  out.topicsAfterDelete = await admin.listTopics();
  await admin.disconnect();
  return out;
}

const scenarios = { 'producer-and-admin': producerAndAdmin };

(async () => {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const result = await run();
  console.log(JSON.stringify(result));
})().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
