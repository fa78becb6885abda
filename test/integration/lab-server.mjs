// The victim's web server for the capture lab: small pages and one large
// download, on every address (IPv4 and IPv6) of the victim namespace.
import { createServer } from 'node:http';

const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
const server = createServer((req, res) => {
  const body = req.url === '/big' ? big : Buffer.from('vigil lab page\n');
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, connection: 'close' });
  res.end(body);
});
server.listen({ port: 80, host: '::', ipv6Only: false }, () => process.stderr.write('lab-server listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
