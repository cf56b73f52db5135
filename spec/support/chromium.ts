/**
 * How the browser specs launch Chromium: Debian's binary, driven by playwright-core, never a
 * browser a tool downloads itself; headless, with nothing that reaches the network on its own.
 */
export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-quic',
    '--no-first-run',
    '--disable-component-update',
    '--disable-sync',
  ],
};
