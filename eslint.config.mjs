import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.local/', 'coverage/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: "Use `import * as z from 'zod'`: the named `z` export defeats tree-shaking and adds ~380 kB to every Lambda bundle.",
        },
      ],
    },
  },
  {
    // domain/, events/ and the workflow definitions are pure: both runtimes read them, and their
    // tests need no mock.
    files: ['domain/**/*.ts', 'events/**/*.ts', 'workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*', '@smithy/*', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '@aws-lambda-powertools/*'], message: 'domain/, events/ and workflows/ are pure: no AWS SDK, CDK or Lambda runtime imports.' },
            { group: ['**/local/*', '**/infra/*', '**/handlers/*/**'], message: 'domain/, events/ and workflows/ must not depend on a runtime (local/, infra/, handlers/ adapters).' },
          ],
        },
      ],
    },
  },
  {
    // The policy builders are read by the local cloud at run time: no CDK there, only plain statements.
    files: ['infra/policies/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', '@aws-sdk/*', 'cdk-nag'], message: 'infra/policies/ is pure: the local cloud loads it, so no CDK or SDK import.' },
            { group: ['**/constructs/*', '**/local/*'], message: 'infra/policies/ must not depend on the CDK constructs or the local cloud.' },
          ],
        },
      ],
    },
  },
);
