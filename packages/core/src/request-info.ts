/**
 * What a transport learned about a request before its handler ran — a PROXY header, a TLS
 * session's facts — kept by name in a symbol-keyed slot of the request object (see `INFO`), so handlers read
 * it (`this.proxy`) and a worker or child gets it with the request. No Python counterpart:
 * `socketserver` hands a handler only `(request, client_address)`.
 */

/** Facts about one request, by name (`proxy`: the parsed PROXY header). Plain data only. */
export type RequestInfo = Readonly<Record<string, unknown>>;

/**
 * Where a request's facts are kept: a symbol-keyed slot on the request object (a socket, a
 * datagram request), invisible to `Object.keys`, JSON and structured clone. A `WeakMap` was
 * used before: its `set` per connection (an ephemeron entry, a table that only shrinks at GC)
 * cost ~2 µs of a proxied connection's CPU (issue 14, measured). Objects that can't take the
 * slot (frozen, non-extensible) and byte arrays (a slot would give every `Buffer` a second
 * shape) use the map still.
 */
const INFO: unique symbol = Symbol('sockserve.requestInfo');
const elsewhere = new WeakMap<object, RequestInfo>();
/** True once {@link elsewhere} holds anything: until then a lookup reads the slot only. */
let elsewhereUsed = false;

type WithInfo = { [INFO]?: RequestInfo };

/** Records `info` for `request` (merged with what was recorded before). */
export function attachRequestInfo(request: object, info: RequestInfo): void {
  const before = requestInfo(request);
  const merged = before === undefined ? info : { ...before, ...info };
  if (!ArrayBuffer.isView(request)) {
    // Written, not asked first: a write to a frozen or non-extensible object throws (strict
    // mode), and `Object.isExtensible` was ~150 instructions of every proxied connection.
    try {
      (request as WithInfo)[INFO] = merged;
      return;
    } catch {
      // Frozen or not extensible: the map below.
    }
  }
  elsewhereUsed = true;
  elsewhere.set(request, merged);
}

/**
 * What was recorded for `from` is recorded for `to` too: a connection upgrade (TLS) hands the
 * handler a new stream, which must still carry the PROXY header read off the raw socket.
 */
export function carryRequestInfo(from: object, to: object): void {
  const info = requestInfo(from);
  if (info !== undefined && from !== to) attachRequestInfo(to, info);
}

/** What was recorded for `request`, or `undefined`. */
export function requestInfo(request: unknown): RequestInfo | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  if (elsewhereUsed) {
    const info = elsewhere.get(request);
    if (info !== undefined) return info;
  }
  return (request as WithInfo)[INFO];
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
