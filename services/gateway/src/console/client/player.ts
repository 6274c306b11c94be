/**
 * Mounts asciinema-player on a session detail page's recording
 * (`[data-cast]`), after /console/assets/asciinema-player.js (a classic
 * script that defines the global `AsciinemaPlayer`). Loaded as a module
 * from /console/assets, so it runs once the page is parsed, after that
 * deferred script. The cast comes from the gateway (same origin, the
 * session cookie goes along); nothing is loaded from elsewhere.
 */

interface AsciinemaPlayerApi {
  create(
    source: string | { url: string },
    element: Element,
    options: Record<string, unknown>,
  ): { play(): Promise<void> };
}

const global = globalThis as unknown as { AsciinemaPlayer?: AsciinemaPlayerApi };

for (const element of document.querySelectorAll<HTMLElement>('[data-cast]')) {
  const url = element.dataset.cast;
  if (!url || !global.AsciinemaPlayer) {
    element.textContent = 'The player could not be loaded.';
    continue;
  }
  global.AsciinemaPlayer.create({ url }, element, {
    // Loaded at once, so the typed commands are markers on the progress bar before playing.
    preload: true,
    fit: 'width',
    idleTimeLimit: 2,
  });
  element.dataset.player = 'ready';
}
