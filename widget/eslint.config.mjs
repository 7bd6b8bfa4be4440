// ESLint for the widget: typescript-eslint (type-aware on src/), eslint-plugin-wc's custom-element
// rules, and eslint-config-prettier last so layout is Prettier's alone. `npm run lint` runs it.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import { defineConfig } from "eslint/config";
import { configs as wc } from "eslint-plugin-wc";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["dist/", "node_modules/", "test-results/"] },
  js.configs.recommended,
  {
    files: ["src/**/*.ts"],
    extends: [
      tseslint.configs.strictTypeChecked,
      tseslint.configs.stylisticTypeChecked,
      wc["flat/best-practice"],
    ],
    languageOptions: { globals: globals.browser, parserOptions: { projectService: true } },
    rules: {
      // GitHub's elements name the class after the tag: <talia-webchat> is TaliaWebchatElement.
      "wc/tag-name-matches-class": ["error", { suffix: "Element" }],
      "wc/guard-define-call": "error",
      "wc/max-elements-per-file": "error",
      // `() => this.close()` as a listener is the idiom; a void value used anywhere else is caught.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // An empty data-* attribute means "not given": `d.title || undefined` is meant, not `??`.
      "@typescript-eslint/prefer-nullish-coalescing": [
        "error",
        { ignorePrimitives: { string: true } },
      ],
    },
  },
  {
    files: ["test/**/*.ts"],
    extends: [tseslint.configs.strict, tseslint.configs.stylistic],
    languageOptions: { globals: globals.browser },
    rules: {
      // `querySelector(...)!` in a test: a missing element fails the test on that line, as it should.
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // e2e callbacks passed to page.evaluate run in the browser, the rest in Node.
    files: ["e2e/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ["scripts/**/*.mjs", "*.mjs"],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
