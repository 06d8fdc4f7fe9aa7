import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The dev server forwards API calls to a locally running node so the UI can be developed against real data.
const backend = process.env.HOMER_URL ?? 'http://127.0.0.1:9080'

export default defineConfig({
  // Absolute base: with history-mode routes such as /search/x, relative asset URLs would resolve under them.
  base: '/',
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    proxy: {
      '/graphql': { target: backend, changeOrigin: true, ws: true },
      '/api': { target: backend, changeOrigin: true },
      '/healthz': { target: backend, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
})
