import { expect, it } from 'vitest';
import { Abort, abortSignal, follow, onAbort } from '../src/abort.js';

it('an Abort aborts its real AbortSignal and its own listeners once, with the reason', () => {
  const a = new Abort();
  const seen: unknown[] = [];
  a.signal.addEventListener('abort', () => seen.push(['signal', a.signal.reason]));
  onAbort(a.signal, () => seen.push(['cheap', a.reason]));
  a.abort('gone');
  a.abort('again');
  expect(a.aborted).toBe(true);
  expect(seen).toEqual([
    ['signal', 'gone'],
    ['cheap', 'gone'],
  ]);
});

it('listens to an Abort through its emitter, and to any other AbortSignal through the signal', () => {
  const a = new Abort();
  const stop = onAbort(a.signal, () => {});
  expect(a.listenerCount('abort')).toBe(1);
  stop();
  expect(a.listenerCount('abort')).toBe(0);

  const foreign = new AbortController();
  let fired = 0;
  const stopForeign = onAbort(foreign.signal, () => fired++);
  stopForeign();
  foreign.abort();
  expect(fired).toBe(0);
  const again = new AbortController();
  onAbort(again.signal, () => fired++);
  again.abort();
  expect(fired).toBe(1);
});

it('follow: the child aborts with the parent, at once if the parent already has, and not after unfollowing', () => {
  const parent = new Abort();
  const child = new Abort();
  follow(parent.signal, child);
  parent.abort(new Error('client left'));
  expect((child.reason as Error).message).toBe('client left');

  const late = new Abort();
  follow(parent.signal, late);
  expect(late.aborted).toBe(true);

  const p2 = new Abort();
  const c2 = new Abort();
  const unfollow = follow(p2.signal, c2);
  unfollow();
  p2.abort();
  expect(c2.aborted).toBe(false);
  expect(p2.listenerCount('abort')).toBe(0);
});

it('an Abort aborted before anyone asked for its signal hands out a signal that is already aborted', () => {
  const a = new Abort();
  a.abort('early');
  expect(a.signal.aborted).toBe(true);
  expect(a.signal.reason).toBe('early');
  const b = new Abort();
  b.abort();
  expect((b.reason as DOMException).name).toBe('AbortError');
});

it('an Abort passed down as a call signal is listened to directly, and gives a real AbortSignal to libraries that need one', () => {
  const a = new Abort();
  const stop = onAbort(a, () => {});
  expect(a.listenerCount('abort')).toBe(1);
  stop();
  const real = abortSignal(a);
  expect(real).toBeInstanceOf(AbortSignal);
  const any = AbortSignal.any([real]);
  a.abort('bye');
  expect(any.reason).toBe('bye');
  const plain = new AbortController().signal;
  expect(abortSignal(plain)).toBe(plain);
});
