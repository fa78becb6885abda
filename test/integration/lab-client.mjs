// The benign client of the capture lab: sequential and parallel HTTP
// requests over IPv4 and IPv6, one large download and a few UDP queries.
// Every loop is bounded and the whole run is capped by `timeout` outside.
import { get, Agent } from 'node:http';
import { createSocket } from 'node:dgram';

const agent = new Agent({ keepAlive: false });
const fetchOnce = (host, path = '/') => new Promise((resolve, reject) => {
  const req = get({ host, port: 80, path, agent }, (res) => { res.resume(); res.on('end', resolve); });
  req.setTimeout(10_000, () => req.destroy(new Error(`timeout fetching ${host}${path}`)));
  req.on('error', reject);
});

const udpQuery = (host, i) => new Promise((resolve) => {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const done = () => { clearTimeout(t); s.close(); resolve(); };
  const t = setTimeout(done, 2000);
  s.on('message', done);
  s.send(`query ${i}`, 53, host);
});

for (let i = 0; i < 60; i++) await fetchOnce('10.77.0.2');
for (let i = 0; i < 60; i++) await fetchOnce('fd77::2');
await Promise.all(Array.from({ length: 30 }, (_, i) => fetchOnce(i % 2 ? 'fd77::2' : '10.77.0.2')));
await fetchOnce('10.77.0.2', '/big');
for (let i = 0; i < 5; i++) await udpQuery(i % 2 ? 'fd77::2' : '10.77.0.2', i);
