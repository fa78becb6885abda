/**
 * The registry of correlation types: one line per type. The engine and the
 * rule loader look types up here and never branch on a type's name.
 */
import type { CorrelationType } from './api.ts';
import { single } from './single.ts';
import { threshold } from './threshold.ts';

type AnyType = CorrelationType<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const CORRELATION_TYPES: ReadonlyMap<string, CorrelationType> = new Map<string, AnyType>([
  [single.name, single],
  [threshold.name, threshold],
]);
