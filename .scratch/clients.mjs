import { WebSocket } from 'ws';
const [url, n] = process.argv.slice(2);
const socks = [];
for (let i = 0; i < +n; i += 50) {
  await Promise.all(Array.from({ length: 50 }, () => new Promise((res) => {
    const ws = new WebSocket(url); socks.push(ws);
    ws.on('open', () => ws.send(JSON.stringify([{ t: 'hello', versions: [1] }])));
    ws.once('message', () => res());
  })));
}
console.log('ready');
setInterval(() => {}, 1000);
