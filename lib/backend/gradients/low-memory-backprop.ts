/**
 * A backward pass that frees memory as it goes.
 *
 * Stock tfjs-core (Engine.gradients) keeps every tape node's saved activations, every intermediate
 * gradient and every gradient temporary alive until the whole backward pass ends, so peak memory is
 * (all activations) + (all gradients). For DenseNet121 at 224 px that is what overflows the 4 GiB wasm heap.
 * This replacement runs the same algorithm (same tape, same gradient functions, same summation order)
 * but, as soon as a node has been processed, disposes
 *   - the node's saved tensors (nothing later in the backward walk reads them),
 *   - the gradients of the node's outputs (all consumers of those outputs come later on the tape, so
 *     were processed earlier in the backward walk),
 *   - the temporaries its gradient function created.
 * Gradients are therefore bit-identical to the stock path; only their lifetime changes.
 *
 * Higher-order gradients (a gradients() call while another tape is recording) use the stock code.
 */
import * as tf from '@tensorflow/tfjs-core';
import { engineInternals, type EngineInternals, type TapeNode } from './tfjs-internals';

/** The tape nodes on a path from any of xs to y, inputs pruned to those that depend on xs (as tfjs-core does). */
function nodesBetween(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    for (const name in node.inputs) {
      if (fromX.has(node.inputs[name].id)) {
        for (const out of node.outputs) fromX.add(out.id);
        nodesFromX.add(node.id);
        break;
      }
    }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const name in node.inputs) toY.add(node.inputs[name].id);
      nodesToY.add(node.id);
    }
  }
  const filtered: TapeNode[] = [];
  for (const node of tape) {
    if (!nodesFromX.has(node.id) || !nodesToY.has(node.id)) continue;
    const inputs: Record<string, tf.Tensor> = {};
    for (const name in node.inputs) {
      if (fromX.has(node.inputs[name].id)) inputs[name] = node.inputs[name];
    }
    filtered.push({ ...node, inputs });
  }
  return filtered;
}

function disposeSaved(node: TapeNode): void {
  if (node.saved == null) return;
  for (const t of node.saved) t.dispose();
}

/**
 * The gradients held during the backward walk, by tensor id. A gradient function may hand back its dy object, so
 * one tensor can sit under several ids: it is disposed when its last entry goes (never `dy`, which the caller owns).
 */
class GradientLedger {
  private readonly grads = new Map<number, tf.Tensor>();
  private readonly refs = new Map<tf.Tensor, number>();

  constructor(private readonly dy: tf.Tensor | undefined) {}

  get(id: number): tf.Tensor | undefined {
    return this.grads.get(id);
  }

  set(id: number, t: tf.Tensor): void {
    this.grads.set(id, t);
    this.refs.set(t, (this.refs.get(t) ?? 0) + 1);
  }

  drop(id: number): void {
    const t = this.grads.get(id);
    if (t == null) return;
    this.grads.delete(id);
    const n = (this.refs.get(t) ?? 1) - 1;
    if (n > 0) this.refs.set(t, n);
    else {
      this.refs.delete(t);
      if (t !== this.dy) t.dispose();
    }
  }

  /** Adds dx to the gradient of tensor `id`; dx is disposed once summed unless another entry holds it. */
  accumulate(id: number, dx: tf.Tensor): void {
    const current = this.grads.get(id);
    if (current == null) {
      this.set(id, dx);
      return;
    }
    const sum = tf.add(current, dx);
    this.drop(id);
    this.set(id, sum);
    if (!this.refs.has(dx) && dx !== this.dy) dx.dispose();
  }
}

/** One node's input gradients, checked as tfjs checks them (dtype float32, the input's shape). */
function nodeInputGradients(engine: EngineInternals, node: TapeNode, dys: Array<tf.Tensor | null>): Array<[string, tf.Tensor]> {
  if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
  const names = Object.keys(node.inputs);
  const dxs = engine.tidy(() => {
    const fns = node.gradient!(dys);
    return names.map((name) => {
      if (!(name in fns)) throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(fns)}.`);
      return fns[name]();
    });
  });
  return names.map((name, k) => {
    const dx = dxs[k];
    const x = node.inputs[name];
    if (dx.dtype !== 'float32') {
      throw new Error(
        `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`,
      );
    }
    if (!tf.util.arraysEqual(dx.shape, x.shape)) {
      throw new Error(
        `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`,
      );
    }
    return [name, dx];
  });
}

/** Walks the tape backwards from y, freeing each node's saved activations and spent gradients as soon as it is done. */
function backward(engine: EngineInternals, tape: TapeNode[], filtered: TapeNode[], xs: tf.Tensor[], y: tf.Tensor, dy?: tf.Tensor): tf.Tensor[] {
  const ledger = new GradientLedger(dy);
  const protectedIds = new Set<number>(xs.map((x) => x.id));
  ledger.set(y.id, dy ?? tf.ones(y.shape));
  for (let i = filtered.length - 1; i >= 0; i--) {
    const node = filtered[i];
    const dys = node.outputs.map((o) => ledger.get(o.id) ?? null);
    for (const [name, dx] of nodeInputGradients(engine, node, dys)) ledger.accumulate(node.inputs[name].id, dx);
    disposeSaved(node);
    for (const o of node.outputs) if (!protectedIds.has(o.id)) ledger.drop(o.id);
  }
  const result = xs.map((x) => ledger.get(x.id) as tf.Tensor);
  for (const node of tape) disposeSaved(node);
  return result;
}

function lowMemoryGradients(
  engine: EngineInternals,
  stock: EngineInternals['gradients'],
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients = false,
): { value: tf.Tensor; grads: tf.Tensor[] } {
  if (engine.state.gradientDepth > 0) return stock.call(engine, f, xs, dy, allowNoGradients);
  if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);

  const y = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  const tape = engine.state.activeTape ?? [];
  const filtered = nodesBetween(tape, xs, y);
  if (!allowNoGradients && filtered.length === 0) {
    throw new Error(
      'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all ' +
        'operations that lead from x to y.',
    );
  }
  // Activations saved by nodes that do not lead from xs to y are never read: free them before the walk.
  const onPath = new Set(filtered.map((n) => n.id));
  for (const node of tape) if (!onPath.has(node.id)) disposeSaved(node);

  return engine.tidy('backward', () => {
    const grads = backward(engine, tape, filtered, xs, y, dy);
    engine.state.activeTape = null;
    return { value: y, grads };
  });
}

let stockGradients: EngineInternals['gradients'] | null = null;

/** Replaces Engine.gradients on the tfjs engine singleton. Idempotent. Caller checks the tfjs-core version. */
export function installLowMemoryBackprop(): void {
  const engine = engineInternals();
  if (stockGradients != null) return;
  const stock = engine.gradients;
  stockGradients = stock;
  engine.gradients = function patched<T extends tf.Tensor>(
    f: () => T,
    xs: tf.Tensor[],
    dy?: T,
    allowNoGradients?: boolean,
  ) {
    return lowMemoryGradients(engine, stock, f, xs, dy, allowNoGradients) as { value: T; grads: tf.Tensor[] };
  };
}

/** Restores the stock Engine.gradients (used by tests that compare the two paths). */
export function uninstallLowMemoryBackprop(): void {
  if (stockGradients == null) return;
  engineInternals().gradients = stockGradients;
  stockGradients = null;
}

export function isLowMemoryBackpropInstalled(): boolean {
  return stockGradients != null;
}
