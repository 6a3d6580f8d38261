import { atTokenExpiry } from '../../../server/realtime/token-expiry';

/**
 * Item 9 of the security review: a token whose `exp` was more than about 24.8 days away got no
 * expiry timer (setTimeout's ceiling), so its socket kept receiving after `exp`.
 */
const DAY_MS = 24 * 60 * 60 * 1000;

beforeEach(() => {
  jest.useFakeTimers();
});

afterEach(() => {
  jest.useRealTimers();
});

test('fires at an expiry far beyond the timer ceiling, not before', () => {
  const onExpiry = jest.fn();
  atTokenExpiry(Date.now() + 60 * DAY_MS, onExpiry);
  jest.advanceTimersByTime(60 * DAY_MS - 1000);
  expect(onExpiry).not.toHaveBeenCalled();
  jest.advanceTimersByTime(1000);
  expect(onExpiry).toHaveBeenCalledTimes(1);
});

test('fires at once for a token already expired, and at its time for a near one', () => {
  const expired = jest.fn();
  const soon = jest.fn();
  atTokenExpiry(Date.now() - 5000, expired);
  atTokenExpiry(Date.now() + 5000, soon);
  jest.advanceTimersByTime(0);
  expect(expired).toHaveBeenCalledTimes(1);
  expect(soon).not.toHaveBeenCalled();
  jest.advanceTimersByTime(5000);
  expect(soon).toHaveBeenCalledTimes(1);
});

test('cancelling stops a far expiry, whichever step it is waiting in', () => {
  const onExpiry = jest.fn();
  const cancel = atTokenExpiry(Date.now() + 40 * DAY_MS, onExpiry);
  jest.advanceTimersByTime(30 * DAY_MS);
  cancel();
  jest.advanceTimersByTime(20 * DAY_MS);
  expect(onExpiry).not.toHaveBeenCalled();
});

test('no exp, no timer', () => {
  const onExpiry = jest.fn();
  atTokenExpiry(undefined, onExpiry);
  jest.advanceTimersByTime(365 * DAY_MS);
  expect(onExpiry).not.toHaveBeenCalled();
  expect(jest.getTimerCount()).toBe(0);
});
