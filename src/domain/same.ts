// Field-by-field equality for the domain's small records: on the per-event path these replace
// serialising whole states to compare them (JSON.stringify per AMI event was a tenth of the CPU).

export function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean = (x, y) => x === y): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false;
  return true;
}

/** Flat records (every field a primitive: queue memberships, presences). */
export function sameFields<T extends object>(a: T | null, b: T | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  // for…in, not Object.keys: no arrays per comparison (this runs per AMI event).
  let count = 0;
  for (const key in a) {
    if (a[key] !== b[key]) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}
