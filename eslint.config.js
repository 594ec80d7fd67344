// ESLint (flat config) with typescript-eslint. workflows/ must stay deterministic:
// no Node built-ins, no TensorFlow.js, and only type imports from activities/ and src/.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'runs/', '.epochal/', 'coverage/', 'configs/schema/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow code must be deterministic: Node built-ins belong in activities/ or src/.',
          })),
          patterns: [
            {
              group: ['@tensorflow/*'],
              message: 'Workflow code must be deterministic: TensorFlow.js runs in activities.',
            },
            {
              group: ['../activities/*', '../activities', '../src/*', '../src/**'],
              allowTypeImports: true,
              message: 'Workflows may import only types from activities/ and src/ (use `import type`).',
            },
          ],
        },
      ],
    },
  },
);
