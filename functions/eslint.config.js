import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["lib/**", "node_modules/**", ".dependency-cruiser.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["eslint.config.js", "bench/baseline-hello.js"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // One module names every Firestore path (docs/data-model.md): elsewhere a reference comes from it.
    files: ["src/**/*.ts", "src/**/*.cts"],
    ignores: ["src/shared/firestore.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name=/^(collection|collectionGroup)$/]",
          message: "Firestore paths live in src/shared/firestore.ts: use (or add) its reference there.",
        },
      ],
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
  {
    // rules-unit-testing hands out the compat Firestore type, which the modular SDK accepts.
    files: ["test/rules/**/*.ts", "test/int/session-access.int.test.ts"],
    rules: { "@typescript-eslint/no-unsafe-class-instance-assignment": "off" },
  },
  { files: ["eslint.config.js", "bench/baseline-hello.js"], ...tseslint.configs.disableTypeChecked },
);
