import { defineConfig, mergeConfig } from 'vitest/config'
import viteConfig from './vite.config.ts'

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: 'happy-dom',
      include: ['src/**/*.test.ts'],
      // The browser test needs a running node; it has its own runner (npm run test:e2e).
      exclude: ['e2e/**', 'node_modules/**'],
      restoreMocks: true,
    },
  }),
)
