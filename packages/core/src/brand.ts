/**
 * Brands: how `instanceof` recognises a sockserve class across two loaded copies of a package
 * (a handler module that resolves its own `@sockserve/core`, a bundled CLI next to an installed
 * library). Each copy has its own class object, so the prototype walk `instanceof` does fails;
 * a `Symbol.for` key is the same in every copy, so a brand on the prototype is found from any.
 * No Python counterpart: Python imports a module once per interpreter.
 */

/**
 * Brands `cls` with `Symbol.for(key)` and gives it a `Symbol.hasInstance` that answers from
 * the brand: `value instanceof cls` is true for instances (and subclass prototypes) of `cls`
 * from any loaded copy. Subclasses of `cls` keep the ordinary prototype test. Call it from the
 * class's static block: `static { brand(this, 'sockserve.BaseRequestHandler'); }`.
 */
export function brand(cls: abstract new (...args: never[]) => unknown, key: string): void {
  const symbol = Symbol.for(key);
  Object.defineProperty(cls.prototype, symbol, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      if (this !== cls) return Function.prototype[Symbol.hasInstance].call(this, value);
      return (typeof value === 'object' && value !== null) || typeof value === 'function'
        ? (value as Record<symbol, unknown>)[symbol] === true
        : false;
    },
  });
}

/**
 * Python's `issubclass(value, base)`, `base` itself excluded, for a branded class `base`: the
 * brand answers for a `base` of any loaded copy (and for its subclasses, by prototype).
 */
export function brandedSubclassOf(value: unknown, base: Function): boolean {
  if (typeof value !== 'function' || typeof value.prototype !== 'object') return false;
  const parent: unknown = Object.getPrototypeOf(value.prototype);
  return parent !== null && parent instanceof base;
}
