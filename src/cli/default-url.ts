/** Where client commands look for a hub unless `--url` says otherwise. */
export const DEFAULT_URL = 'ws://127.0.0.1:7070';
