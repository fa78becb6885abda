/**
 * The registry of correlation types: one line per type. The engine and the
 * rule loader look types up here and never branch on a type's name.
 */
import type { CorrelationType } from './api.ts';
import { single } from './single.ts';
import { threshold } from './threshold.ts';
import { pair } from './pair.ts';
import { group } from './group.ts';
import { firstSeen } from './first-seen.ts';
import { anomaly } from './anomaly.ts';
import { schedule } from './schedule.ts';

type AnyType = CorrelationType<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const CORRELATION_TYPES: ReadonlyMap<string, CorrelationType> = new Map<string, AnyType>([
  [single.name, single],
  [threshold.name, threshold],
  [pair.name, pair],
  [group.name, group],
  [firstSeen.name, firstSeen],
  [anomaly.name, anomaly],
  [schedule.name, schedule],
]);
