/**
 * A restricted unpickler for Python's pickle protocols 2-5 (and the protocol-0 opcodes old files use for ints,
 * memo and persistent ids). It builds plain data and NEVER runs anything a file names: every GLOBAL goes
 * through the caller's `findGlobal`, which returns one of our own `PyFunction`s, a `PyClass` placeholder, or
 * throws; REDUCE only calls `PyFunction`s; NEWOBJ only makes `PyObject` shells of a `PyClass` whose state
 * BUILD stores. Values: None -> null, int -> number (bigint beyond 2^53), float -> number, str -> string,
 * bytes -> Uint8Array, list and tuple -> array, dict -> Map, set -> Set.
 */
import { WeightsError } from '../../../errors';

/** A callable the reader implements itself (a tensor rebuild function, OrderedDict, set, ...). */
export class PyFunction {
  constructor(
    readonly name: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/** A class named by the file, never imported: it can only be instantiated as a `PyObject` shell. */
export class PyClass {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of a `PyClass` (e.g. a saved nn.Module): its pickled state and nothing else. */
export class PyObject {
  state: unknown = undefined;
  constructor(readonly cls: PyClass) {}
}

export interface UnpickleOptions {
  /** Named in every error. */
  file: string;
  /** Resolve GLOBAL / STACK_GLOBAL to a value, or throw to refuse the file. */
  findGlobal: (module: string, name: string) => unknown;
  /** Resolve a persistent id (BINPERSID / PERSID); without it persistent ids are errors. */
  persistentLoad?: (pid: unknown) => unknown;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

function bigToNumber(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

export function describePy(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PyClass) return `class ${v.qualifiedName}`;
  if (v instanceof PyObject) return `${v.cls.qualifiedName} object`;
  if (v instanceof PyFunction) return v.name;
  if (v instanceof Map) return 'dict';
  if (Array.isArray(v)) return 'list/tuple';
  return typeof v;
}

class Unpickler {
  pos: number;
  readonly stack: unknown[] = [];
  readonly marks: number[] = [];
  readonly memo = new Map<number, unknown>();
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly opts: UnpickleOptions,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new WeightsError(`${this.opts.file}: pickle at byte ${this.pos}: ${message}`, { file: this.opts.file });
  }

  need(n: number): number {
    if (this.pos + n > this.bytes.byteLength) this.fail('the data ends early (truncated file?)');
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8 = (): number => this.bytes[this.need(1)]!;
  u16 = (): number => this.view.getUint16(this.need(2), true);
  u32 = (): number => this.view.getUint32(this.need(4), true);
  i32 = (): number => this.view.getInt32(this.need(4), true);
  u64 = (): number => {
    const v = this.view.getBigUint64(this.need(8), true);
    if (v > BigInt(this.bytes.byteLength)) this.fail(`a length of ${v} bytes does not fit the file`);
    return Number(v);
  };
  raw = (n: number): Uint8Array => this.bytes.subarray(this.need(n), this.pos);

  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('a text field has no end of line (truncated file?)');
    const text = latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }

  decimal(text: string): number | bigint {
    if (!/^[-+]?\d+$/.test(text)) this.fail(`'${text}' is not an integer`);
    return bigToNumber(BigInt(text));
  }

  signedLE(n: number): number | bigint {
    const b = this.raw(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return bigToNumber(v);
  }

  push = (v: unknown): void => {
    this.stack.push(v);
  };

  pop(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow (damaged pickle)');
    return this.stack.pop();
  }

  top(): unknown {
    if (this.stack.length === 0) this.fail('stack underflow (damaged pickle)');
    return this.stack[this.stack.length - 1];
  }

  popMark(): unknown[] {
    const at = this.marks.pop();
    if (at === undefined) this.fail('MARK missing (damaged pickle)');
    return this.stack.splice(at);
  }

  memoGet(key: number): void {
    if (!this.memo.has(key)) this.fail(`memo entry ${key} is missing (damaged pickle)`);
    this.push(this.memo.get(key));
  }

  global(module: string, name: string): void {
    this.push(this.opts.findGlobal(module, name));
  }

  persistent(pid: unknown): void {
    if (!this.opts.persistentLoad) this.fail('unexpected persistent id');
    this.push(this.opts.persistentLoad(pid));
  }

  setItems(items: unknown[]): void {
    const dict = this.top();
    if (!(dict instanceof Map)) this.fail(`SETITEMS on a ${describePy(dict)}`);
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }

  appendItems(items: unknown[]): void {
    const list = this.top();
    if (Array.isArray(list)) list.push(...items);
    else if (list instanceof Set) items.forEach((v) => list.add(v));
    else this.fail(`APPENDS on a ${describePy(list)}`);
  }

  reduce(): void {
    const args = this.pop();
    const callable = this.pop();
    if (!(callable instanceof PyFunction)) {
      const what = callable instanceof PyClass ? callable.qualifiedName : describePy(callable);
      this.fail(`refuses to call '${what}' (REDUCE on a callable this reader does not implement)`);
    }
    if (!Array.isArray(args)) this.fail(`REDUCE arguments for '${callable.name}' are not a tuple`);
    this.push(callable.call(args));
  }

  newObject(cls: unknown): void {
    if (!(cls instanceof PyClass)) this.fail(`NEWOBJ on ${describePy(cls)}, expected a class`);
    this.push(new PyObject(cls));
  }

  build(): void {
    const state = this.pop();
    const target = this.top();
    if (target instanceof PyObject) target.state = state;
    // OrderedDict state is torch's `_metadata` (state-dict format versions): not needed to read tensors.
    else if (!(target instanceof Map)) this.fail(`BUILD on a ${describePy(target)}`);
  }
}

type Op = (u: Unpickler) => void;
const code = (c: string) => c.charCodeAt(0);

/** Opcode -> action. STOP ('.') and PROTO are handled by the loop. */
const OPS = new Map<number, Op>([
  [0x95, (u) => void u.raw(8)], // FRAME: a framing hint only
  [code('('), (u) => void u.marks.push(u.stack.length)],
  [code('0'), (u) => (u.marks.at(-1) === u.stack.length ? void u.popMark() : void u.pop())],
  [code('1'), (u) => void u.popMark()],
  [code('2'), (u) => u.push(u.top())],
  [code('N'), (u) => u.push(null)],
  [0x88, (u) => u.push(true)],
  [0x89, (u) => u.push(false)],
  [code('J'), (u) => u.push(u.i32())],
  [code('K'), (u) => u.push(u.u8())],
  [code('M'), (u) => u.push(u.u16())],
  [0x8a, (u) => u.push(u.signedLE(u.u8()))],
  [0x8b, (u) => u.push(u.signedLE(u.u32()))],
  [code('I'), (u) => {
    const t = u.line();
    u.push(t === '01' ? true : t === '00' ? false : u.decimal(t));
  }],
  [code('L'), (u) => u.push(u.decimal(u.line().replace(/L$/, '')))],
  [code('F'), (u) => u.push(Number(u.line()))],
  [code('G'), (u) => u.push(new DataView(new Uint8Array(u.raw(8)).buffer).getFloat64(0, false))],
  [code('X'), (u) => u.push(utf8.decode(u.raw(u.u32())))],
  [0x8c, (u) => u.push(utf8.decode(u.raw(u.u8())))],
  [0x8d, (u) => u.push(utf8.decode(u.raw(u.u64())))],
  [code('T'), (u) => u.push(latin1.decode(u.raw(u.u32())))], // Python 2 str
  [code('U'), (u) => u.push(latin1.decode(u.raw(u.u8())))],
  [code('C'), (u) => u.push(new Uint8Array(u.raw(u.u8())))],
  [code('B'), (u) => u.push(new Uint8Array(u.raw(u.u32())))],
  [0x8e, (u) => u.push(new Uint8Array(u.raw(u.u64())))],
  [0x96, (u) => u.push(new Uint8Array(u.raw(u.u64())))], // BYTEARRAY8
  [code(')'), (u) => u.push([])],
  [0x85, (u) => u.push([u.pop()])],
  [0x86, (u) => {
    const b = u.pop();
    u.push([u.pop(), b]);
  }],
  [0x87, (u) => {
    const c = u.pop();
    const b = u.pop();
    u.push([u.pop(), b, c]);
  }],
  [code('t'), (u) => u.push(u.popMark())],
  [code(']'), (u) => u.push([])],
  [code('l'), (u) => u.push(u.popMark())],
  [code('a'), (u) => u.appendItems([u.pop()])],
  [code('e'), (u) => u.appendItems(u.popMark())],
  [code('}'), (u) => u.push(new Map())],
  [code('d'), (u) => {
    const items = u.popMark();
    u.push(new Map());
    u.setItems(items);
  }],
  [code('s'), (u) => {
    const value = u.pop();
    u.setItems([u.pop(), value]);
  }],
  [code('u'), (u) => u.setItems(u.popMark())],
  [0x8f, (u) => u.push(new Set())],
  [0x90, (u) => u.appendItems(u.popMark())], // ADDITEMS
  [0x91, (u) => u.push(new Set(u.popMark()))], // FROZENSET
  [code('q'), (u) => void u.memo.set(u.u8(), u.top())],
  [code('r'), (u) => void u.memo.set(u.u32(), u.top())],
  [code('p'), (u) => void u.memo.set(Number(u.line()), u.top())],
  [0x94, (u) => void u.memo.set(u.memo.size, u.top())], // MEMOIZE
  [code('h'), (u) => u.memoGet(u.u8())],
  [code('j'), (u) => u.memoGet(u.u32())],
  [code('g'), (u) => u.memoGet(Number(u.line()))],
  [code('c'), (u) => u.global(u.line(), u.line())],
  [0x93, (u: Unpickler) => {
    const name = u.pop();
    const module = u.pop();
    if (typeof module !== 'string' || typeof name !== 'string') u.fail('STACK_GLOBAL needs two strings');
    u.global(module, name);
  }],
  [code('R'), (u) => u.reduce()],
  [0x81, (u) => {
    u.pop(); // constructor args: an nn.Module's are ()
    u.newObject(u.pop());
  }],
  [0x92, (u) => {
    u.pop(); // NEWOBJ_EX kwargs
    u.pop(); // args
    u.newObject(u.pop());
  }],
  [code('b'), (u) => u.build()],
  [code('Q'), (u) => u.persistent(u.pop())],
  [code('P'), (u) => u.persistent(u.line())],
]);

/** Unpickle one object starting at `start`; returns it and the offset just past its STOP opcode. */
export function unpickle(bytes: Uint8Array, start: number, opts: UnpickleOptions): { value: unknown; end: number } {
  const u: Unpickler = new Unpickler(bytes, start, opts);
  for (;;) {
    const at = u.pos;
    const op = u.u8();
    if (op === code('.')) {
      const value = u.pop();
      return { value, end: u.pos };
    }
    if (op === 0x80) {
      const protocol = u.u8();
      if (protocol > 5) u.fail(`pickle protocol ${protocol} is newer than this reader (5)`);
      continue;
    }
    const action = OPS.get(op);
    if (!action) {
      u.pos = at;
      u.fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
    action(u);
  }
}
