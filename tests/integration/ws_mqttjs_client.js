// MQTT.js (npm "mqtt") against moatmq over WebSocket, for tests/integration/ws_listener_test.cpp.
//   node ws_mqttjs_client.js MODULES_DIR URL PROTOCOL_VERSION [CA_FILE]
// With CA_FILE (wss), the server certificate must chain to it.
// Subscribes to ws/#, publishes a short QoS 1 message and a 100 kB QoS 2 message (MQTT.js writes a
// packet's header and payload separately, so packets span WebSocket messages), prints one line per
// message received ("TOPIC LENGTH TEXT"), and exits 0 after both, 2 on an error, 3 after 15 s.
const fs = require('fs');
const path = require('path');
const [modules, url, version, ca] = process.argv.slice(2);
const mqtt = require(path.join(modules, 'node_modules', 'mqtt'));

const timer = setTimeout(() => { console.error('timeout'); process.exit(3); }, 15000);
const client = mqtt.connect(url, {
  protocolVersion: Number(version), clientId: 'mqttjs-' + version, reconnectPeriod: 0, connectTimeout: 5000,
  ...(ca ? { ca: fs.readFileSync(ca), rejectUnauthorized: true } : {}),
});
client.on('error', (e) => { console.error('error: ' + e.message); process.exit(2); });
let received = 0;
client.on('connect', () => {
  client.subscribe('ws/#', { qos: 2 }, (err) => {
    if (err) { console.error('subscribe: ' + err.message); process.exit(2); }
    client.publish('ws/small', 'hello over ws', { qos: 1 });
    client.publish('ws/big', 'x'.repeat(100000), { qos: 2 });
  });
});
client.on('message', (topic, payload) => {
  console.log(topic + ' ' + payload.length + (topic === 'ws/small' ? ' ' + payload.toString() : ''));
  if (++received === 2) {
    clearTimeout(timer);
    client.end(false, () => process.exit(0));
  }
});
