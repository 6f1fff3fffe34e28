// Types of build.mjs for the TypeScript tests that call it.
export const SRC_DIR: string
export const DIST_DIR: string
export function buildDashboard(opts?: { outdir?: string; minify?: boolean }): Promise<{ outdir: string; outputs: Record<string, number>; warnings: unknown[] }>
