import { parsePattern } from '../../browser.js'; console.log(parsePattern);
