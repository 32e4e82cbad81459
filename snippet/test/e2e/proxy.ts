// A recording HTTP(S) proxy that every browser engine under test uses, so
// that one mechanism answers and records vendor requests in Chromium,
// Firefox and WebKit alike (WebKitWebDriver has no request interception).
// - http://<mapped host>/… is forwarded to a local port (the shop's pages,
//   consentd): this is how made-up names such as www.shop.test resolve.
// - Any other host is a third party: recorded, then answered by `answer`
//   (a vendor stub) or with an empty body. HTTPS is terminated here with a
//   throwaway self-signed certificate; the browsers are told to accept it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';

export interface ProxiedRequest {
  url: string;
  host: string;
  method: string;
  /** What the browser said it accepts: tells an <img> pixel from a script. */
  accept: string;
  at: number;
}

export interface Answer {
  status?: number;
  type: string;
  body: string | Buffer;
}

export interface ProxyOptions {
  /** Host names (without port) forwarded to 127.0.0.1 on the port of the URL. */
  local: (host: string) => boolean;
  /** The answer for a third-party request. */
  answer: (r: ProxiedRequest) => Answer;
}

let certs: { key: Buffer; cert: Buffer } | undefined;

/** One throwaway key and self-signed certificate per test process. */
function certificate() {
  if (certs) return certs;
  const dir = mkdtempSync(join(tmpdir(), 'samtykke-proxy-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=samtykke test proxy',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    certs = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return certs;
}

export class RecordingProxy {
  /** Every third-party request since start or the last reset. */
  requests: ProxiedRequest[] = [];
  /** When set and returning true, a request to a local host is refused (the connection is destroyed). */
  refuse?: (url: URL) => boolean;
  port = 0;
  private server: Server;
  private tls: Server;
  private sockets = new Set<Socket>();

  constructor(private opts: ProxyOptions) {
    this.server = createServer((req, res) => this.handle(req, res, ''));
    // Decrypted CONNECT tunnels land here; they carry only a path and a Host header.
    this.tls = createServer((req, res) => this.handle(req, res, 'https://'));
    this.server.on('connection', (s) => this.track(s));
    this.server.on('connect', (_req: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      const { key, cert } = certificate();
      const tls = new TLSSocket(socket, { isServer: true, key, cert });
      this.track(tls);
      if (head.length) socket.unshift(head);
      tls.on('error', () => socket.destroy());
      this.tls.emit('connection', tls);
    });
  }

  private track(s: Socket) {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
  }

  async start() {
    certificate();
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse, scheme: string) {
    let url: URL;
    try {
      url = new URL(scheme ? `${scheme}${req.headers.host}${req.url}` : req.url || '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (this.opts.local(url.hostname)) {
      if (this.refuse?.(url)) {
        req.socket.destroy();
        return;
      }
      const port = Number(url.port || (url.protocol == 'https:' ? 443 : 80));
      const out = request({ host: '127.0.0.1', port, method: req.method, path: url.pathname + url.search, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode || 502, up.headers);
        up.pipe(res);
      });
      out.on('error', () =>
        res.headersSent ? res.destroy() : res.writeHead(502, { 'Content-Type': 'text/plain' }).end('proxy: upstream down'),
      );
      req.pipe(out);
      return;
    }
    const r: ProxiedRequest = {
      url: url.href,
      host: url.hostname,
      method: req.method || 'GET',
      accept: String(req.headers.accept || ''),
      at: Date.now(),
    };
    this.requests.push(r);
    req.resume();
    const a = this.opts.answer(r);
    res.writeHead(a.status || 200, { 'Content-Type': a.type, 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' }).end(a.body);
  }

  async close() {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
