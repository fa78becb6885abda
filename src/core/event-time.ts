/**
 * Event time is ms since the epoch. Its valid range is what a Date can hold
 * (±8.64e15 ms, about ±273,790 years): inside it every whole millisecond is
 * exact (2^53 lies beyond), so windows and timers can add a period and move
 * on, and every time prints as an ISO 8601 date.
 */
export const MAX_EVENT_TIME_MS = 8.64e15;

/** True when `t` is a number inside the event-time range (false for NaN and ±Infinity). */
export function isEventTime(t: number): boolean {
  return t >= -MAX_EVENT_TIME_MS && t <= MAX_EVENT_TIME_MS;
}

/** ISO 8601 text of an event time; a time outside the range prints as its number instead of throwing. */
export function eventTimeText(t: number): string {
  return isEventTime(t) ? new Date(t).toISOString() : String(t);
}
