/** See dist-fresh.mjs. */
export function distIsFresh(root: string): boolean;
