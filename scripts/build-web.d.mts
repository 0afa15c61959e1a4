/** Types of build-web.mjs, for the test setup that imports it. */
export const webRoot: string;
export const distDir: string;
export function isStale(): boolean;
export function buildWeb(options?: { quiet?: boolean }): Promise<void>;
