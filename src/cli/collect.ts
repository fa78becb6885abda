/** commander collector for repeatable options (`--rules a --rules b`). */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
