/** What the user picked: a fixed theme, or whatever the operating system prefers. */
export type ThemeChoice = 'light' | 'dark' | 'system';

export const themeChoices: readonly ThemeChoice[] = ['light', 'dark', 'system'];

const storageKey = 'nhi-theme';

/**
 * Runs in the document head before the body is parsed, so a page never paints in the other theme
 * first. Without a stored choice nothing is set and the stylesheet follows prefers-color-scheme.
 */
export const applyStoredThemeScript = `try{var t=localStorage.getItem(${JSON.stringify(storageKey)});if(t==="light"||t==="dark")document.documentElement.dataset.theme=t}catch(e){}`;

function isThemeChoice(value: unknown): value is ThemeChoice {
  return themeChoices.includes(value as ThemeChoice);
}

/** The stored choice; "system" when there is none or storage is unavailable (private windows). */
export function readThemeChoice(): ThemeChoice {
  try {
    const stored = localStorage.getItem(storageKey);
    return isThemeChoice(stored) ? stored : 'system';
  } catch {
    return 'system';
  }
}

/** Applies the choice to the page at once and remembers it for the next visit. */
export function applyThemeChoice(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  try {
    if (choice === 'system') localStorage.removeItem(storageKey);
    else localStorage.setItem(storageKey, choice);
  } catch {
    // Storage refused: the choice still holds for this page.
  }
}
