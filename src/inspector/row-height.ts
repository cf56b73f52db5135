/**
 * Pixel height of one tree row. The virtual list places rows by it (`tree-view.ts`) and the page's
 * style sizes them by it (`page.ts`): one number, so the two cannot drift apart.
 */
export const ROW_HEIGHT = 22;
