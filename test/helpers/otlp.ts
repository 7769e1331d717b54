/**
 * A loopback OTLP/HTTP receiver for traces in both encodings: JSON (`application/json`, what
 * `@opentelemetry/exporter-trace-otlp-http` sends) and protobuf (`application/x-protobuf`,
 * `@opentelemetry/exporter-trace-otlp-proto`, decoded here by a small reader of the protobuf wire
 * format for the fields of `ExportTraceServiceRequest` the tests look at). It keeps every span it is
 * sent, flattened with its attributes as a plain record, and the content type of every export.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Record<string, string | number | boolean>;
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly status: { readonly code?: number; readonly message?: string };
  readonly serviceName: string | undefined;
}

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface WireSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: KeyValue[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number; message?: string };
}
interface ExportRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: WireSpan[] }[] }[];
}

const anyValue = (v: AnyValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? '';
const record = (kvs: KeyValue[] | undefined) => Object.fromEntries((kvs ?? []).map((kv) => [kv.key, anyValue(kv.value)]));

// ---- protobuf wire format (opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto) ----

type Fields = Map<number, (bigint | Buffer)[]>;

/** Reads one message into its fields: varints and fixed64 as bigint, length-delimited and fixed32 as bytes. */
function fieldsOf(buf: Buffer): Fields {
  const out: Fields = new Map();
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated varint');
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    let value: bigint | Buffer;
    switch (key & 7) {
      case 0:
        value = varint();
        break;
      case 1:
        value = buf.readBigUInt64LE(i);
        i += 8;
        break;
      case 2: {
        const len = Number(varint());
        value = buf.subarray(i, i + len);
        i += len;
        break;
      }
      case 5:
        value = buf.subarray(i, i + 4);
        i += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${key & 7}`);
    }
    const list = out.get(field);
    if (list) list.push(value);
    else out.set(field, [value]);
  }
  return out;
}

const bytes = (f: Fields, n: number): Buffer[] => (f.get(n) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v));
const one = (f: Fields, n: number): Buffer | undefined => bytes(f, n)[0];
const num = (f: Fields, n: number): number | undefined => {
  const v = f.get(n)?.[0];
  return typeof v === 'bigint' ? Number(v) : undefined;
};
const str = (f: Fields, n: number): string | undefined => one(f, n)?.toString('utf8');
const hex = (f: Fields, n: number): string => one(f, n)?.toString('hex') ?? '';

function protoAnyValue(f: Fields): AnyValue {
  const s = str(f, 1);
  if (s !== undefined) return { stringValue: s };
  if (f.has(2)) return { boolValue: num(f, 2) === 1 };
  if (f.has(3)) return { intValue: BigInt.asIntN(64, f.get(3)?.[0] as bigint).toString() };
  if (f.has(4)) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(f.get(4)?.[0] as bigint);
    return { doubleValue: b.readDoubleLE(0) };
  }
  return {};
}

const protoKeyValues = (list: Buffer[]): KeyValue[] =>
  list.map((b) => {
    const kv = fieldsOf(b);
    const value = one(kv, 2);
    return { key: str(kv, 1) ?? '', value: value ? protoAnyValue(fieldsOf(value)) : {} };
  });

/** An `ExportTraceServiceRequest` in protobuf, as the JSON encoding's object (ids as lowercase hex). */
export function decodeTraceRequest(buf: Buffer): ExportRequest {
  return {
    resourceSpans: bytes(fieldsOf(buf), 1).map((rsb) => {
      const rs = fieldsOf(rsb);
      const resource = one(rs, 1);
      return {
        resource: { attributes: resource ? protoKeyValues(bytes(fieldsOf(resource), 1)) : [] },
        scopeSpans: bytes(rs, 2).map((ssb) => ({
          spans: bytes(fieldsOf(ssb), 2).map((sb): WireSpan => {
            const sp = fieldsOf(sb);
            const status = one(sp, 15);
            const st = status ? fieldsOf(status) : undefined;
            const message = st ? str(st, 2) : undefined;
            const code = st ? num(st, 3) : undefined;
            return {
              traceId: hex(sp, 1),
              spanId: hex(sp, 2),
              parentSpanId: hex(sp, 4),
              name: str(sp, 5) ?? '',
              kind: num(sp, 6) ?? 0,
              attributes: protoKeyValues(bytes(sp, 9)),
              links: bytes(sp, 13).map((lb) => {
                const l = fieldsOf(lb);
                return { traceId: hex(l, 1), spanId: hex(l, 2) };
              }),
              status: { ...(code !== undefined ? { code } : {}), ...(message !== undefined ? { message } : {}) },
            };
          }),
        })),
      };
    }),
  };
}

export interface OtlpReceiver {
  readonly url: string;
  readonly spans: ReceivedSpan[];
  /** Raw request bodies (protobuf ones as latin1 text), for checks on what was never sent. */
  readonly bodies: string[];
  /** The content type of each export received. */
  readonly contentTypes: string[];
  close(): Promise<void>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const type = req.headers['content-type'] ?? '';
      const json = type.includes('application/json');
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !(json || type.includes('application/x-protobuf'))) {
        res.writeHead(415).end();
        return;
      }
      contentTypes.push(type);
      bodies.push(raw.toString(json ? 'utf8' : 'latin1'));
      const parsed = json ? (JSON.parse(raw.toString('utf8')) as ExportRequest) : decodeTraceRequest(raw);
      for (const rs of parsed.resourceSpans ?? []) {
        const serviceName = record(rs.resource?.attributes)['service.name'];
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? [])
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId || undefined,
              name: s.name,
              kind: s.kind,
              attributes: record(s.attributes),
              links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
              status: s.status ?? {},
              serviceName: typeof serviceName === 'string' ? serviceName : undefined,
            });
      }
      // An empty ExportTraceServiceResponse in the request's encoding.
      if (json) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.alloc(0));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    bodies,
    contentTypes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
