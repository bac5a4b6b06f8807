/// <reference types="vitest" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The build is served by `loom serve` from server/static (SPA fallback), so it lands there.
export default defineConfig({
  plugins: [react()],
  build: { outDir: '../server/static', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:8000', '/v1': 'http://127.0.0.1:8000' } },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
