import { useEffect, useState } from 'preact/hooks';
import type { ReadableStore } from './store.ts';

/** Re-renders the component whenever the store changes; returns the current state. */
export function useStore<S>(store: ReadableStore<S>): S {
  const [, setVersion] = useState(0);
  useEffect(() => store.subscribe(() => setVersion((v) => v + 1)), [store]);
  return store.get();
}
