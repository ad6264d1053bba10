// Tandem's own rules for .drone.yml, on top of the SchemaStore schema (@schemastore/drone), whose
// types accept any extra property and steps without commands. check-drone.mjs checks every YAML
// document twice: as the schema's DroneCIConfigurationFile, and as TandemDocument below. These
// interfaces have no index signature, so a property they do not name (a misspelt `comands`) is an
// error.
import type { AllConditions, KindSignature } from '@schemastore/drone';

/** Every step is `make` targets: the pipeline proves nothing that `make` does not prove locally. */
export type MakeCommand = `make ${string}`;

/** A value from the server's secret store, never written in the file. */
export interface FromSecret {
  from_secret: string;
}

export interface TandemStep {
  name: string;
  commands: [MakeCommand, ...MakeCommand[]];
  environment?: { [variable: string]: string | FromSecret };
  when?: AllConditions;
  depends_on?: string[];
  failure?: 'ignore';
}

/** A pipeline for drone-runner-exec on a linux/amd64 runner host. */
export interface TandemPipeline {
  kind: 'pipeline';
  type: 'exec';
  name: string;
  platform: { os: 'linux'; arch: 'amd64' };
  trigger: AllConditions;
  steps: [TandemStep, ...TandemStep[]];
  node?: { [label: string]: string };
  depends_on?: string[];
}

/** The document `drone sign` appends: the HMAC of the pipelines, checked by the server. */
export type TandemSignature = Pick<KindSignature, 'hmac'> & { kind: 'signature' };

export type TandemDocument = TandemPipeline | TandemSignature;
