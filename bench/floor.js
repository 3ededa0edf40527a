// The Node.js floor of bench/fanout.py: a bare `ws` server that does what floor.py's websockets
// server does. Each connection gets a hello frame and is then held; on "broadcast SEQ" (a line on
// stdin, from the bench process) one frame shaped like Liveblog's entry.created, FRAME_BYTES long,
// is built once and sent to every connection. "stop", or the end of stdin, ends the process.
//
//     node bench/floor.js PORT FRAME_BYTES      (bench/node_modules from `npm ci` in bench/)
"use strict";

const readline = require("node:readline");
const { WebSocketServer, WebSocket } = require("ws");

const [port, frameBytes] = process.argv.slice(2).map(Number);
const hello = JSON.stringify({ type: "hello", event: "floor", seq: 0, readers: 0 });
const clients = new Set();

// The same frame as floor.py's entry_frame: type and seq first (the bench's readers read only
// those), the body padded so that the whole frame is frameBytes long.
function entryFrame(seq) {
  const empty = JSON.stringify({ type: "entry.created", seq, epoch: "floor", entry: { body: "" } });
  const body = "x".repeat(Math.max(0, frameBytes - empty.length));
  return Buffer.from(empty.replace('"body":""', `"body":"${body}"`));
}

// perMessageDeflate is off by default: Liveblog's Daphne does not compress either.
const server = new WebSocketServer({ host: "127.0.0.1", port });
server.on("connection", (ws) => {
  ws.send(hello);
  clients.add(ws);
  ws.on("close", () => clients.delete(ws));
  ws.on("error", () => clients.delete(ws));
});
server.on("listening", () => process.stdout.write(`ready ${port}\n`));

function broadcast(seq) {
  // Built once per round and sent as the same text to all, as the websockets floor does.
  const frame = entryFrame(seq);
  for (const ws of clients) {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame, { binary: false });
  }
}

const commands = readline.createInterface({ input: process.stdin });
commands.on("line", (line) => {
  const [command, seq] = line.trim().split(" ");
  if (command === "broadcast") broadcast(Number(seq));
  else if (command === "stop") process.exit(0);
});
commands.on("close", () => process.exit(0));
