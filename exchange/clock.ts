/** Where brx reads the time: the system clock in service, a controllable one in tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until set or advanced; for tests of deadlines and schedules. */
export class ManualClock implements Clock {
  #at: number;
  constructor(at: Date | string) {
    this.#at = new Date(at).getTime();
  }
  now(): Date {
    return new Date(this.#at);
  }
  set(at: Date | string): void {
    this.#at = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.#at += ms;
  }
}
