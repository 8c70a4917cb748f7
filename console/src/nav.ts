/** In-page navigation, kept apart from main.ts so views can navigate without importing the router. */
let renderer: () => void = () => undefined;

export function setRenderer(fn: () => void): void {
  renderer = fn;
}

export function navigate(path: string, replaceState = false): void {
  if (replaceState) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  renderer();
}
