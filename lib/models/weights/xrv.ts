/**
 * TorchXRayVision's chest-X-ray DenseNet121 (Cohen et al., "TorchXRayVision: A library of chest X-ray datasets
 * and models", MIDL 2022, arXiv 2111.00595; github.com/mlmed/torchxrayvision, code Apache-2.0), as that library
 * publishes and uses it (torchxrayvision/models.py, `model_urls['densenet121-res224-all']`):
 * - the file: a whole saved `torchxrayvision.models.DenseNet` (torch.save of the module, legacy format), 1 input
 *   channel, 18 outputs in `XRV_PATHOLOGIES` order, trained on NIH ChestX-ray14, PadChest, CheXpert, MIMIC-CXR
 *   (CheXpert labeller), NIH Google labels, OpenI and the RSNA Pneumonia Challenge (the name's `kaggle`);
 * - its input: grey, `(2·x/255 − 1)·1024` (`xrv.datasets.normalize(img, 255)`, our normalisation 'xrv'), centre
 *   crop of the long side (`XRayCenterCrop`) and a resize to 224 px (`XRayResizer`, skimage);
 * - its cache: `~/.torchxrayvision/models_data/<file>` (`xrv.utils.get_cache_dir()`).
 * The release names carry no hash and the publisher lists no checksum. The size and sha256 pinned here are those
 * independent users of this release asset record for it (several projects pin the same two values); a download
 * that differs is refused. A file given with `--weights` is used whatever its hash, and a differing sha256 is
 * recorded as a caveat in every run that starts from it.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { densenet121 } from '../densenet';
import type { PublishedWeights } from './download';

/** `torchxrayvision.datasets.default_pathologies`: the order of the 18 outputs. */
export const XRV_PATHOLOGIES = [
  'Atelectasis', 'Consolidation', 'Infiltration', 'Pneumothorax', 'Edema', 'Emphysema', 'Fibrosis', 'Effusion',
  'Pneumonia', 'Pleural_Thickening', 'Cardiomegaly', 'Nodule', 'Mass', 'Hernia', 'Lung Lesion', 'Fracture',
  'Lung Opacity', 'Enlarged Cardiomediastinum',
] as const;

/** TorchXRayVision's download folder (`xrv.utils.get_cache_dir()`; it has no environment override). */
export function xrvCacheDir(): string {
  return path.join(os.homedir(), '.torchxrayvision', 'models_data');
}

const FILE = 'nih-pc-chex-mimic_ch-google-openi-kaggle-densenet121-d121-tw-lr001-rot45-tr15-sc15-seed0-best.pt';

export const XRV_DENSENET121_ALL: PublishedWeights = {
  name: 'densenet121',
  title: 'TorchXRayVision densenet121-res224-all',
  url: `https://github.com/mlmed/torchxrayvision/releases/download/v1/${FILE}`,
  file: FILE,
  sha256: '56524913dd16a906422e8d8b66a7a5c46be1d82eb7ac012d8103776f1aa68899',
  bytes: 28_382_008,
  libraryCache: { name: "TorchXRayVision's own cache", dir: xrvCacheDir },
  build: () => densenet121({ numClasses: XRV_PATHOLOGIES.length, channels: 1 }),
};
