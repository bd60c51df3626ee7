// `polytune/local-onnx`: the local ONNX Runtime backend. Importing this loads
// onnxruntime-node; `polytune` alone does not.
export { localOnnxCompiler } from './local-onnx-compile.js';
export {
  createLocalOnnxProvider,
  type LocalOnnxProvider,
  type LocalOnnxSettings,
} from './local-onnx-provider.js';
