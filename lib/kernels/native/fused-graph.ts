/**
 * Training-mode execution of tfjs-layers functional models on the native backend, with two fusions that a
 * layer-by-layer executor cannot make because each needs to know who consumes a layer's output:
 *  - BatchNormalization -> ReLU, when the ReLU is the BN output's only consumer: one fused oneDNN op (no ReLU
 *    pass forward or backward; only the ReLU output is kept for backprop, not the BN output too, which is what
 *    PyTorch's in-place ReLU achieves);
 *  - ZeroPadding2D -> Conv2D ('valid'), when the conv is the padding's only consumer: one conv with explicit
 *    padding (no padded copy kept for backprop, no pad pass forward, no slice pass backward).
 * And an Add layer of two same-shape inputs (a residual connection) keeps neither input for backprop
 * (RethinkSameShapeAdd): tfjs's Add gradient keeps them only to read their shapes.
 * Everything else runs exactly as tfjs-layers' own executor runs it (layer.apply in topological order). The
 * results are the same ops' results: relu(bn(x)) and conv(pad(x)) computed together.
 *
 * Installed by patching LayersModel.prototype.call; inference, other backends, and graphs this executor does not
 * cover (a layer with several outputs or inputs fed by masks) take the stock path.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormReluTraining } from '../../backend/gradients/batchnorm-training';
import { BACKEND_NAME } from './kernels/common';
import { SAME_SHAPE_ADD } from './kernels/elementwise';

type Sym = tfl.SymbolicTensor;
type Kwargs = Record<string, unknown>;
type CallFn = (this: tfl.LayersModel, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];

interface ConvLayer {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  useBias: boolean;
  strides: [number, number];
  dilationRate: [number, number];
  padding: string;
  dataFormat: string;
  rank: number;
  activation: { apply(x: tf.Tensor): tf.Tensor } | null;
}

/** How a symbolic tensor is produced: by its layer, or fused with the one producer it is the only consumer of. */
type Step = { kind: 'layer' } | { kind: 'skip' } | { kind: 'bn-relu'; bn: Sym } | { kind: 'pad-conv'; pad: Sym };

interface Plan {
  order: Sym[];
  steps: Map<Sym, Step>;
}

function isRelu(layer: tfl.layers.Layer): boolean {
  const l = layer as unknown as { activation?: { getClassName(): string }; maxValue?: number | null };
  if (layer.getClassName() === 'ReLU') return l.maxValue == null;
  return layer.getClassName() === 'Activation' && l.activation?.getClassName() === 'relu';
}

function isValidConv(layer: tfl.layers.Layer): boolean {
  const c = layer as unknown as ConvLayer;
  return layer.getClassName() === 'Conv2D' && c.padding === 'valid' && c.dataFormat === 'channelsLast' && c.rank === 2;
}

function isChannelsLastPad(layer: tfl.layers.Layer): boolean {
  return layer.getClassName() === 'ZeroPadding2D' && (layer as unknown as { dataFormat: string }).dataFormat === 'channelsLast';
}

/** Symbolic tensors from the inputs to `outputs`, each after its inputs; null for graphs this executor leaves alone. */
function topologicalOrder(model: tfl.LayersModel): Sym[] | null {
  const inputs = new Set(model.inputs);
  const seen = new Set<Sym>();
  const order: Sym[] = [];
  let supported = true;
  const visit = (s: Sym): void => {
    if (seen.has(s) || inputs.has(s)) return;
    seen.add(s);
    const node = s.sourceLayer.inboundNodes[s.nodeIndex];
    if (node == null || node.outputTensors.length !== 1) supported = false;
    for (const i of s.inputs) visit(i);
    order.push(s);
  };
  for (const o of model.outputs) visit(o);
  return supported ? order : null;
}

function makePlan(model: tfl.LayersModel): Plan | null {
  const order = topologicalOrder(model);
  if (order == null) return null;
  const consumers = new Map<Sym, Sym[]>();
  for (const s of order) for (const i of s.inputs) consumers.set(i, [...(consumers.get(i) ?? []), s]);
  const outputs = new Set(model.outputs);
  const steps = new Map<Sym, Step>(order.map((s) => [s, { kind: 'layer' } as Step]));
  for (const s of order) {
    const users = consumers.get(s) ?? [];
    if (users.length !== 1 || outputs.has(s) || users[0].inputs.length !== 1) continue;
    const user = users[0];
    if (s.sourceLayer.getClassName() === 'BatchNormalization' && isRelu(user.sourceLayer)) {
      steps.set(s, { kind: 'skip' });
      steps.set(user, { kind: 'bn-relu', bn: s });
    } else if (isChannelsLastPad(s.sourceLayer) && isValidConv(user.sourceLayer)) {
      steps.set(s, { kind: 'skip' });
      steps.set(user, { kind: 'pad-conv', pad: s });
    }
  }
  return { order, steps };
}

/** conv(pad(x)) as one conv with the ZeroPadding2D's padding made explicit, bias and activation as the layer does. */
function paddedConv(convLayer: tfl.layers.Layer, padLayer: tfl.layers.Layer, x: tf.Tensor): tf.Tensor {
  const conv = convLayer as unknown as ConvLayer;
  const [[top, bottom], [left, right]] = (padLayer as unknown as { padding: [[number, number], [number, number]] }).padding;
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const x4 = x as tf.Tensor4D;
  const filter = conv.kernel.read() as tf.Tensor4D;
  const y = conv.useBias && conv.bias != null
    ? tf.fused.conv2d({ x: x4, filter, strides: conv.strides, pad, dilations: conv.dilationRate, bias: conv.bias.read() })
    : tf.conv2d(x4, filter, conv.strides, pad, 'NHWC', conv.dilationRate);
  return conv.activation != null ? conv.activation.apply(y) : y;
}

function sameShapeAdd(a: tf.Tensor, b: tf.Tensor): tf.Tensor | null {
  if (!tf.util.arraysEqual(a.shape, b.shape) || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  return tf.engine().runKernel(SAME_SHAPE_ADD, { a, b }) as tf.Tensor;
}

function run(model: tfl.LayersModel, plan: Plan, inputs: tf.Tensor[], kwargs: Kwargs): tf.Tensor[] {
  const values = new Map<Sym, tf.Tensor>();
  model.inputs.forEach((s, i) => values.set(s, inputs[i]));
  const valueOf = (s: Sym): tf.Tensor => values.get(s) ?? produce(s);
  const applyLayer = (s: Sym): tf.Tensor => {
    // A list even for one input, as tfjs-layers' executor passes it.
    return s.sourceLayer.apply(s.inputs.map(valueOf), kwargs) as tf.Tensor;
  };
  function produce(s: Sym): tf.Tensor {
    const step = plan.steps.get(s) as Step;
    let value: tf.Tensor | null = null;
    if (step.kind === 'bn-relu') {
      value = batchNormReluTraining(step.bn.sourceLayer, valueOf(step.bn.inputs[0]));
    } else if (step.kind === 'pad-conv') {
      value = paddedConv(s.sourceLayer, step.pad.sourceLayer, valueOf(step.pad.inputs[0]));
    } else if (s.sourceLayer.getClassName() === 'Add' && s.inputs.length === 2) {
      value = sameShapeAdd(valueOf(s.inputs[0]), valueOf(s.inputs[1]));
    }
    // A fusion that does not apply at run time (say, a BN layer configured otherwise) runs the layers themselves.
    if (value == null) value = applyLayer(s);
    values.set(s, value);
    return value;
  }
  for (const s of plan.order) if (plan.steps.get(s)?.kind !== 'skip' && !values.has(s)) produce(s);
  return model.outputs.map(valueOf);
}

/** The fusions the executor makes for `model`, as [producer layer, consumer layer] names (for tests and audits). */
export function plannedFusions(model: tfl.LayersModel): Array<{ kind: 'bn-relu' | 'pad-conv'; layers: [string, string] }> {
  const plan = makePlan(model);
  if (plan == null) return [];
  const out: Array<{ kind: 'bn-relu' | 'pad-conv'; layers: [string, string] }> = [];
  for (const [s, step] of plan.steps) {
    if (step.kind === 'bn-relu') out.push({ kind: step.kind, layers: [step.bn.sourceLayer.name, s.sourceLayer.name] });
    if (step.kind === 'pad-conv') out.push({ kind: step.kind, layers: [step.pad.sourceLayer.name, s.sourceLayer.name] });
  }
  return out;
}

const plans = new WeakMap<tfl.LayersModel, Plan | null>();
let stockCall: CallFn | null = null;

/** Idempotent. Patches every LayersModel (tf.model(...), and Sequential through its inner model). */
export function installFusedGraphTraining(): void {
  if (stockCall != null) return;
  const proto = tfl.LayersModel.prototype as unknown as { call: CallFn };
  const stock = proto.call;
  stockCall = stock;
  proto.call = function call(this: tfl.LayersModel, inputs, kwargs) {
    if (kwargs?.['training'] !== true || tf.getBackend() !== BACKEND_NAME) return stock.call(this, inputs, kwargs);
    if (!plans.has(this)) plans.set(this, makePlan(this));
    const plan = plans.get(this);
    if (plan == null) return stock.call(this, inputs, kwargs);
    const list = Array.isArray(inputs) ? inputs : [inputs];
    return tf.tidy(() => run(this, plan, list, kwargs));
  };
}

export function uninstallFusedGraphTraining(): void {
  if (stockCall == null) return;
  (tfl.LayersModel.prototype as unknown as { call: CallFn }).call = stockCall;
  stockCall = null;
}
