import { defineConfig } from 'vite';

// Built by `vite build ui` (npm run build): the gateway serves dist/ui at /ui, so every asset URL starts there.
// Everything is bundled: the dashboard must work on a machine without internet.
export default defineConfig({
  base: '/ui/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
