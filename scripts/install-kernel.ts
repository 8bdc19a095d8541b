/**
 * npm run kernel:install — registers the project-local tslab kernel under .jupyter/ (no global install).
 * Use it from Jupyter with:  JUPYTER_PATH=$PWD/.jupyter/share/jupyter jupyter lab
 */
import { installKernel, isKernelInstalled, kernelPaths } from '../lib/notebook/kernel';

const paths = kernelPaths();
const force = process.argv.includes('--force');
if (!force && isKernelInstalled(paths)) {
  console.log(`tslab kernel already installed: ${paths.kernelJson}`);
} else {
  installKernel(paths);
  console.log(`tslab kernel installed: ${paths.kernelJson}`);
}
console.log(`Use it with: JUPYTER_PATH=${paths.jupyterDataDir} /usr/bin/python3 -m jupyter ...`);
