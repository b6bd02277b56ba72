// kafkajs (npm, pinned in tools/package.json) as a consumer group member, for group_clients_test.py.
//
//   NODE_PATH=tools/node_modules node kafkajs_group.js 127.0.0.1:PORT TOPIC GROUP COUNT
//
// Produces COUNT messages to TOPIC, consumes them in group GROUP with eachMessage (commits each
// before taking the next), then reads the group's committed offsets and description with the admin client. Prints
// one JSON line with what it saw; the Python test asserts on it. Any error exits non-zero.
'use strict';

const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId, countArg] = process.argv.slice(2);
const count = Number(countArg);
const kafka = new Kafka({
  clientId: 'strata-kafkajs-group',
  brokers: [bootstrap],
  logLevel: logLevel.ERROR,
  retry: { retries: 5, initialRetryTime: 100 },
  connectionTimeout: 5000,
  requestTimeout: 30000,
});

async function main() {
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) messages.push({ key: `k${i % 5}`, value: `js-${i}` });
  await producer.send({ topic, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  let assigned = null;
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    assigned = e.payload.memberAssignment;
  });
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} messages within 60 s`)), 60000);
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }) => {
        // Committed before the next message: the commit is part of handling this one.
        await consumer.commitOffsets([{ topic: t, partition, offset: (Number(message.offset) + 1).toString() }]);
        seen.push(message.value.toString());
        if (seen.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await done;
  const admin = kafka.admin();
  await admin.connect();
  const described = await admin.describeGroups([groupId]);
  await consumer.disconnect();
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
  const groups = await admin.listGroups();
  const after = await admin.describeGroups([groupId]);
  await admin.disconnect();
  // A partition without a commit reports -1.
  const committed = offsets[0].partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  console.log(JSON.stringify({
    seen: seen.length,
    unique: new Set(seen).size,
    assigned,
    committed,
    groups: groups.groups,
    state_while_consuming: described.groups[0].state,
    members_while_consuming: described.groups[0].members.length,
    protocol: described.groups[0].protocol,
    state_after: after.groups[0].state,
  }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
