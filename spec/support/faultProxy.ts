/**
 * A fault-injecting HTTP proxy in front of an S3-compatible server, for the S3 adapter's tests.
 * It forwards every request as it came (the Host header too, so SigV4 signatures still hold
 * upstream), records what it saw (the operation, the headers, the signature), and by rule:
 * cuts the connection in the middle of a request body (after forwarding half of it), lets the
 * server act and then cuts before the answer arrives, cuts a response body halfway, answers
 * 500/503, S3's SlowDown or any S3 error itself, changes a header of the server's answer, or
 * delays before forwarding. Path-style addressing only.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type S3Operation =
  | 'CreateBucket'
  | 'PutObject'
  | 'UploadPart'
  | 'CreateMultipartUpload'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'HeadObject'
  | 'GetObject'
  | 'DeleteObject'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'Other';

export type FaultAction =
  /** Forward half the request body, then cut both connections. */
  | { readonly kind: 'cut-request' }
  /** Forward all of it, let the server act, cut before its answer reaches the client. */
  | { readonly kind: 'drop-response' }
  /** Forward half the server's response body, then cut. */
  | { readonly kind: 'cut-response' }
  /** Answer this status with S3's error XML (InternalError / ServiceUnavailable unless `code`); the server never sees it. */
  | { readonly kind: 'status'; readonly status: number; readonly code?: string; readonly message?: string }
  /** Answer 503 SlowDown. */
  | { readonly kind: 'slow-down' }
  /** Forward, and change one header of the server's answer (a server that says it stored other bytes). */
  | { readonly kind: 'set-header'; readonly name: string; readonly value: string }
  /** Wait, then forward. */
  | { readonly kind: 'delay'; readonly ms: number };

export interface FaultRule {
  readonly op: S3Operation;
  readonly action: FaultAction;
  /** Matching requests let through before the rule acts (default 0). */
  readonly after?: number;
  /** How many matching requests it acts on (default 1; Infinity for all). */
  readonly times?: number;
}

export interface SeenRequest {
  readonly op: S3Operation;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The SigV4 signature of the Authorization header, if any. */
  readonly signature: string | null;
  /** The rule's action that met it, if any. */
  readonly fault: FaultAction['kind'] | null;
  /** The server's status, once it answered (null if it never did: a fault answered or cut). */
  status: number | null;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly seen: SeenRequest[];
  /** The most requests of `op` the proxy held at once since the last clear({ seen: true }). */
  mostAtOnce(op: S3Operation): number;
  /** Adds a rule; rules act in the order added, one per request. */
  inject(rule: FaultRule): void;
  /** Forgets the rules (and, with `seen`, what was seen). */
  clear(options?: { seen?: boolean }): void;
  close(): Promise<void>;
}

export function operationOf(method: string, url: string): S3Operation {
  const { pathname, searchParams: q } = new URL(url, 'http://x');
  const hasKey = pathname.replace(/^\/+/, '').includes('/');
  switch (method) {
    case 'PUT':
      if (q.has('partNumber') && q.has('uploadId')) return 'UploadPart';
      return hasKey ? 'PutObject' : 'CreateBucket';
    case 'POST':
      if (q.has('uploads')) return 'CreateMultipartUpload';
      if (q.has('uploadId')) return 'CompleteMultipartUpload';
      return 'Other';
    case 'DELETE':
      if (q.has('uploadId')) return 'AbortMultipartUpload';
      return hasKey ? 'DeleteObject' : 'Other';
    case 'HEAD':
      return hasKey ? 'HeadObject' : 'Other';
    case 'GET':
      if (q.has('uploads')) return 'ListMultipartUploads';
      if (q.has('uploadId')) return 'ListParts';
      if (hasKey) return 'GetObject';
      return q.get('list-type') === '2' ? 'ListObjectsV2' : 'Other';
    default:
      return 'Other';
  }
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: { rule: FaultRule; met: number; acted: number }[] = [];
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const open = new Map<S3Operation, number>();
  const most = new Map<S3Operation, number>();

  function ruleFor(op: S3Operation): FaultAction | null {
    for (const r of rules) {
      if (r.rule.op !== op || r.acted >= (r.rule.times ?? 1)) continue;
      if (r.met++ < (r.rule.after ?? 0)) continue;
      r.acted++;
      return r.rule.action;
    }
    return null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const op = operationOf(method, url);
    const action = ruleFor(op);
    const signature = /Signature=([0-9a-f]+)/.exec(req.headers.authorization ?? '')?.[1] ?? null;
    const record: SeenRequest = { op, method, url, headers: { ...req.headers }, signature, fault: action?.kind ?? null, status: null };
    seen.push(record);
    const now = (open.get(op) ?? 0) + 1;
    open.set(op, now);
    most.set(op, Math.max(most.get(op) ?? 0, now));
    res.on('close', () => open.set(op, (open.get(op) ?? 1) - 1));
    if (action?.kind === 'status' || action?.kind === 'slow-down') {
      req.resume(); // without a 100 Continue a client that asked for one sends no body; node:http drops any other's
      const [status, code] = action.kind === 'slow-down' ? [503, 'SlowDown'] : [action.status, action.code ?? (action.status === 500 ? 'InternalError' : 'ServiceUnavailable')];
      const message = (action.kind === 'status' && action.message) || 'injected by the test proxy';
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault</RequestId></Error>`;
      res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) }).end(body);
      return;
    }
    if (action?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, action.ms));
    // Expect: 100-continue goes through: the server's 100 is passed on, and a server that answers
    // at once (a 501 for a header it does not take) gets no body, as without the proxy.
    const up = httpRequest({ host: target.hostname, port: target.port, method, path: url, headers: req.headers });
    const cut = () => {
      up.destroy();
      req.socket.destroy();
    };
    let answered = false;
    up.on('continue', () => res.writeContinue());
    up.on('error', () => answered || req.socket.destroy());
    up.on('response', (answer) => {
      answered = true;
      record.status = answer.statusCode ?? null;
      if (action?.kind === 'drop-response') {
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, action?.kind === 'set-header' ? { ...answer.headers, [action.name]: action.value } : answer.headers);
      if (action?.kind !== 'cut-response') {
        answer.pipe(res);
        return;
      }
      const half = Math.floor(Number(answer.headers['content-length'] ?? 2) / 2);
      let sent = 0;
      if (half === 0) setTimeout(() => (answer.destroy(), req.socket.destroy()), 20);
      answer.on('data', (chunk: Buffer) => {
        if (sent >= half) return;
        const piece = chunk.subarray(0, half - sent);
        sent += piece.byteLength;
        res.write(piece);
        if (sent >= half) setTimeout(() => (answer.destroy(), req.socket.destroy()), 20);
      });
    });
    if (action?.kind !== 'cut-request') {
      req.pipe(up);
      return;
    }
    const half = Math.floor(Number(req.headers['content-length'] ?? 2) / 2);
    let sent = 0;
    req.on('data', (chunk: Buffer) => {
      if (sent >= half) return;
      const piece = chunk.subarray(0, half - sent);
      sent += piece.byteLength;
      up.write(piece);
      if (sent >= half) setTimeout(cut, 20);
    });
    req.on('end', () => sent < half && cut());
  }

  const server = createServer((req, res) => void handle(req, res).catch(() => req.socket.destroy()));
  server.on('checkContinue', (req, res) => server.emit('request', req, res)); // no automatic 100: the server's goes through
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    mostAtOnce: (op) => most.get(op) ?? 0,
    inject: (rule) => void rules.push({ rule, met: 0, acted: 0 }),
    clear(options = {}) {
      rules.length = 0;
      if (options.seen) {
        seen.length = 0;
        most.clear();
      }
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
