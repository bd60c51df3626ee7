// `polytune/vertex`: the Vertex AI provider (Gemini tuning). Importing this loads
// @google-cloud/aiplatform and @google-cloud/storage; `polytune` alone does not.
export { createVertexCompiler, type VertexCompileOptions, vertexCompiler } from './vertex-compile.js';
export { createVertexProvider, type VertexOptions } from './vertex-provider.js';
