// One script tag, both elements: <script type="module" src="…/ui/fountain-2fa.js"></script>.
import { FountainChallenge } from './challenge.js';
import { FountainFactors } from './factors.js';

export { FountainChallenge, FountainFactors };
export type { VerifiedDetail } from './challenge.js';

// A page may load the script twice (two frontends' bundles): the first definition stays.
if (!customElements.get('fountain-2fa-challenge')) customElements.define('fountain-2fa-challenge', FountainChallenge);
if (!customElements.get('fountain-2fa-factors')) customElements.define('fountain-2fa-factors', FountainFactors);

declare global {
  interface HTMLElementTagNameMap {
    'fountain-2fa-challenge': FountainChallenge;
    'fountain-2fa-factors': FountainFactors;
  }
}
