// Lint: type-aware rules so that a forgotten await or an `any` never lands,
// and import boundaries so that the shell and the agent only meet in protocol/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**/*.mjs', 'scripts/**/*.mjs', 'test/helpers/*.mjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/shell/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/agent/**', '**/agent/*'], message: 'shell/ and agent/ only meet in protocol/' }] }],
    },
  },
  {
    files: ['src/agent/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/shell/**', '**/shell/*'], message: 'shell/ and agent/ only meet in protocol/' }] }],
    },
  },
  {
    // The app core (state, reducer, presentation) depends on protocol/ and itself only.
    files: ['src/shell/app/**'],
    ignores: ['src/shell/app/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(?!\\./|\\.\\./\\.\\./protocol/)', message: 'shell/app depends on protocol/ and app/ only' },
        ],
      }],
    },
  },
  {
    files: ['src/shell/ui/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['ssh2', 'dockerode', 'node:fs', 'node:fs/promises', 'fs'],
        patterns: [{ group: ['**/agent/**'], message: 'the UI never touches I/O or the agent' }],
      }],
    },
  },
);
