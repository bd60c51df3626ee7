// `polytune/sagemaker`: the SageMaker JumpStart provider. Importing this loads the
// AWS SDK clients; `polytune` alone does not.
export { SAGEMAKER_INSTRUCTION_TEMPLATE, sagemakerCompiler } from './sagemaker-compile.js';
export type { DeployOptions as SageMakerDeployOptions, SageMakerDeployment } from './sagemaker-deploy.js';
export type { SageMakerProviderOptions } from './sagemaker-options.js';
export { createSageMakerProvider, type SageMakerProvider } from './sagemaker-provider.js';
