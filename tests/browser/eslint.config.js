// ESLint's recommended rules for the web console's ES modules
// (gateway/web/js, browser globals) and these tests (node globals).
//
// `npm run lint` here (tools/test runs it) lints from the repository root
// with --config: ESLint then matches the patterns below against paths
// relative to the working directory, so they are written from the root.

import js from '@eslint/js';
import globals from 'globals';

export default [
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['gateway/web/js/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    files: ['tests/browser/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        ...globals.node,
        // Callbacks given to page.evaluate() and page.waitForFunction() run
        // in the page, where these are defined.
        document: 'readonly',
        window: 'readonly',
        getComputedStyle: 'readonly',
      },
    },
  },
];
