import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'cache/**',
      'build/**',
      'test-results/**',
      'bench/.work/**',
      'reliability/.work/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(fs|http|https|net|path|crypto|stream|os|url|events|child_process|zlib|util|tls|dns)(/.*)?$',
              message: 'Use the node: prefix for built-in modules.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/engine/**', 'src/storage/**', 'src/index/**', 'src/upstream/**', 'src/server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/ecosystems/**'], message: 'The engine knows no ecosystem.' }],
        },
      ],
    },
  },
  {
    // Install-time scripts run as plain Node.js modules.
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
