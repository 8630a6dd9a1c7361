import { useEffect, useState } from 'react';

/** The page's path under /ui/ (the gateway answers index.html for each, so a reload stays on the page). */
function currentPath(): string {
  return window.location.pathname.replace(/^\/ui\/?/, '').replace(/\/$/, '');
}

export function navigate(path: string): void {
  window.history.pushState(null, '', `/ui/${path}`);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return path;
}
