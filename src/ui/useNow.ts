import { useEffect, useState } from 'preact/hooks';

/**
 * The page's own time (Date.now) at each render, with a render at least every `everyMs`, so
 * "3 hours ago" stays true while the page is open.
 */
export function useNow(everyMs = 30_000): number {
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((v) => v + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return Date.now();
}
