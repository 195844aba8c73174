// The wallboard (src/web) built into dist/web, which the service serves at `/` (npm run build:web).
// `npm run dev:web` serves it with hot reload on :5173 and proxies /graphql to the service on :4000.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  root: "src/web",
  base: "/",
  plugins: [react()],
  logLevel: "warn",
  build: { outDir: "../../dist/web", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { port: 5173, proxy: { "/graphql": { target: "http://localhost:4000", ws: true } } },
});
