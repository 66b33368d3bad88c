import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';

const CDK_JSON = path.join(__dirname, '..', '..', 'cdk.json');

/** The context `cdk synth` gives the app (feature flags), which `new App()` alone does not read. */
export function cdkContext(): Record<string, unknown> {
  const { context } = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> };
  return context ?? {};
}

/**
 * An app as `cdk synth` builds it, minus aws-cdk-lib's built-in CloudFormation validation: it costs
 * ~3 s and ~330 MB per synth and `npm run synth` runs it anyway. This is the same switch as
 * `CDK_VALIDATION=false`, scoped to this app instead of the whole jest worker.
 */
export function testApp(): App {
  return new App({ context: cdkContext(), builtinCloudFormationValidation: false });
}

export interface Resource {
  logicalId: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** The one resource of `type`; fails the test if there is not exactly one. */
export function onlyResource(template: Template, type: string): Resource {
  template.resourceCountIs(type, 1);
  const [[logicalId, resource]] = Object.entries(template.findResources(type)) as [[string, Omit<Resource, 'logicalId'>]];
  return { logicalId, ...resource };
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
