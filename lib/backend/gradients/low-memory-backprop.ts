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
    const grads = new Map<number, tf.Tensor>();
    // How many map entries point at each gradient tensor: a gradient function may hand back its dy object.
    const refs = new Map<tf.Tensor, number>();
    const protectedIds = new Set<number>(xs.map((x) => x.id));
    const setGrad = (id: number, t: tf.Tensor): void => {
      grads.set(id, t);
      refs.set(t, (refs.get(t) ?? 0) + 1);
    };
    const dropGrad = (id: number): void => {
      const t = grads.get(id);
      if (t == null) return;
      grads.delete(id);
      const n = (refs.get(t) ?? 1) - 1;
      if (n > 0) refs.set(t, n);
      else {
        refs.delete(t);
        if (t !== dy) t.dispose();
      }
    };
    setGrad(y.id, dy ?? tf.ones(y.shape));

    for (let i = filtered.length - 1; i >= 0; i--) {
      const node = filtered[i];
      if (node.gradient == null) {
        throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      }
      const dys = node.outputs.map((o) => grads.get(o.id) ?? null);
      const names = Object.keys(node.inputs);
      const dxs = engine.tidy(() => {
        const fns = node.gradient!(dys);
        return names.map((name) => {
          if (!(name in fns)) {
            throw new Error(
              `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(fns)}.`,
            );
          }
          return fns[name]();
        });
      });
      names.forEach((name, k) => {
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
        const current = grads.get(x.id);
        if (current == null) {
          setGrad(x.id, dx);
        } else {
          const sum = tf.add(current, dx);
          dropGrad(x.id);
          setGrad(x.id, sum);
          if (!refs.has(dx) && dx !== dy) dx.dispose();
        }
      });
      disposeSaved(node);
      for (const o of node.outputs) if (!protectedIds.has(o.id)) dropGrad(o.id);
    }

    const result = xs.map((x) => grads.get(x.id) as tf.Tensor);
    for (const node of tape) disposeSaved(node);
    engine.state.activeTape = null;
    return { value: y, grads: result };
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
