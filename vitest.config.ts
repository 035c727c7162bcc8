import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/js/**/*.test.ts"],
    environment: "jsdom",
    setupFiles: ["tests/js/setup.ts"],
  },
});
