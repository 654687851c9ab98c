/**
 * What a transport learned about a request before its handler ran — a PROXY header, a TLS
 * session's facts — kept by name beside the request object (never on it), so handlers read
 * it (`this.proxy`) and a worker or child gets it with the request. No Python counterpart:
 * `socketserver` hands a handler only `(request, client_address)`.
 */

/** Facts about one request, by name (`proxy`: the parsed PROXY header). Plain data only. */
export type RequestInfo = Readonly<Record<string, unknown>>;

const infos = new WeakMap<object, RequestInfo>();

/** Records `info` for `request` (merged with what was recorded before). */
export function attachRequestInfo(request: object, info: RequestInfo): void {
  const before = infos.get(request);
  infos.set(request, before === undefined ? info : { ...before, ...info });
}

/**
 * What was recorded for `from` is recorded for `to` too: a connection upgrade (TLS) hands the
 * handler a new stream, which must still carry the PROXY header read off the raw socket.
 */
export function carryRequestInfo(from: object, to: object): void {
  const info = infos.get(from);
  if (info !== undefined && from !== to) attachRequestInfo(to, info);
}

/** What was recorded for `request`, or `undefined`. */
export function requestInfo(request: unknown): RequestInfo | undefined {
  return typeof request === 'object' && request !== null ? infos.get(request) : undefined;
}

/**
 * `info` as it arrives in a worker thread, where `postMessage` turns every `Buffer` into a
 * plain `Uint8Array`: those become `Buffer`s again (a view, no copy), at any depth.
 */
export function reviveRequestInfo(info: RequestInfo): RequestInfo {
  return revive(info) as RequestInfo;
}

function revive(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return Buffer.isBuffer(value)
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = revive(inner);
    return out;
  }
  return value;
}
