// A bare WebSocket client (the "ws" package MQTT.js depends on), for ws_listener_test.cpp:
//   node ws_raw_client.js MODULES_DIR URL SUBPROTOCOL|- text|binary-connect
// Prints "protocol=<selected subprotocol>" once open, sends one frame (a text frame, or an MQTT 3.1.1
// CONNECT split over two binary frames), prints "message <hex>" for what comes back and "closed
// <code>" when the server closes; exits after 10 s at the latest.
const path = require('path');
const [modules, url, subprotocol, mode] = process.argv.slice(2);
const WebSocket = require(path.join(modules, 'node_modules', 'ws'));

setTimeout(() => { console.log('timeout'); process.exit(3); }, 10000);
const ws = subprotocol === '-' ? new WebSocket(url) : new WebSocket(url, subprotocol);
ws.on('open', () => {
  console.log('protocol=' + ws.protocol);
  if (mode === 'text') {
    ws.send('not binary');
  } else {
    // CONNECT, MQTT 3.1.1, clean session, keep alive 60, client id "raw": split after 5 bytes.
    const connect = Buffer.from([0x10, 0x0f, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c,
                                 0x00, 0x03, 0x72, 0x61, 0x77]);
    ws.send(connect.subarray(0, 5), { binary: true });
    ws.send(connect.subarray(5), { binary: true });
  }
});
ws.on('message', (data) => { console.log('message ' + Buffer.from(data).toString('hex')); ws.close(); });
ws.on('close', (code) => { console.log('closed ' + code); process.exit(0); });
ws.on('error', (e) => { console.log('error ' + e.message); process.exit(2); });
