/** Hash routes, so the server serves one page for every view and links work from a bookmark. */
export type Route =
  | { name: 'cells' }
  | { name: 'cell'; id: string }
  | { name: 'formations' }
  | { name: 'formation'; id: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const id = parts[1] ? decodeURIComponent(parts.slice(1).join('/')) : '';
  if (parts[0] === 'cell' && id) return { name: 'cell', id };
  if (parts[0] === 'formations' && id) return { name: 'formation', id };
  if (parts[0] === 'formations') return { name: 'formations' };
  return { name: 'cells' };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'cells':
      return '#/';
    case 'cell':
      return `#/cell/${encodeURIComponent(route.id)}`;
    case 'formations':
      return '#/formations';
    case 'formation':
      return `#/formations/${encodeURIComponent(route.id)}`;
  }
}
