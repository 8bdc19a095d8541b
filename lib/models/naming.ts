/**
 * Layer naming convention: a layer that holds parameters is named EXACTLY like the torch module that holds
 * them, dots included (`features.denseblock1.denselayer1.conv1`, `layer1.0.downsample.0`, `CBR1.bn`), so the
 * torch state-dict key of a weight is `<layer name>.<torch parameter name>` and the mapping is reversible with
 * no escaping: tfjs accepts `[A-Za-z0-9][-A-Za-z0-9._/]*` as layer names and uses `/` only to join the layer
 * name with its weight name (`features.conv0/kernel`).
 *
 * Glue layers that torch does not have as modules (explicit padding, concatenation, residual add, the final
 * ReLU/pooling done functionally in torch) get names that cannot collide with a torch key, e.g.
 * `features.conv0.pad`, `features.denseblock1.denselayer1.concat`.
 */

/** The torch parameter / buffer names a tfjs layer's weights map to, in `layer.weights` order. */
export type TorchParamName = 'weight' | 'bias' | 'running_mean' | 'running_var';

/** How one tfjs weight is stored in a torch state dict. */
export type TorchParamKind =
  | 'conv-weight' // tfjs [kh, kw, in, out]  <->  torch [out, in, kh, kw]
  | 'linear-weight' // tfjs [in, out]        <->  torch [out, in]
  | 'bias'
  | 'bn-weight'
  | 'bn-bias'
  | 'bn-mean'
  | 'bn-var';

/** Join a module path and a child name the torch way. */
export function child(prefix: string, name: string | number): string {
  return prefix === '' ? String(name) : `${prefix}.${name}`;
}

/**
 * torchvision's DenseNet checkpoints (ported from LuaTorch) store `...denselayer1.norm.1.weight`; torchvision's
 * `_load_state_dict` renames them to `...denselayer1.norm1.weight` with this regex. timm applies the same one.
 */
const LEGACY_DENSENET_KEY =
  /^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|running_mean|running_var))$/;

export function normaliseTorchKey(key: string): string {
  const m = LEGACY_DENSENET_KEY.exec(key);
  return m ? `${m[1]}${m[2]}` : key;
}
