import { useEffect, useState } from 'react';
import { applyThemeChoice, readThemeChoice, type ThemeChoice, themeChoices } from '../../lib/theme.ts';

const labels: Record<ThemeChoice, { text: string; icon: string }> = {
  light: { text: 'Light theme', icon: '☀' },
  dark: { text: 'Dark theme', icon: '☾' },
  system: { text: 'Theme of the system', icon: '◐' },
};

/** Light, dark, or the system's: three pressed-or-not buttons, the choice kept in the browser. */
export function ThemeToggle() {
  // The server cannot know the stored choice: it renders "system" and the browser corrects it after
  // hydration. The page itself was already painted in the stored theme by the head script.
  const [choice, setChoice] = useState<ThemeChoice>('system');
  useEffect(() => setChoice(readThemeChoice()), []);

  function choose(next: ThemeChoice) {
    applyThemeChoice(next);
    setChoice(next);
  }

  return (
    <fieldset className="theme-toggle" data-testid="theme-toggle">
      <legend className="visually-hidden">Theme</legend>
      {themeChoices.map((option) => (
        <button
          key={option}
          type="button"
          aria-pressed={choice === option}
          aria-label={labels[option].text}
          title={labels[option].text}
          onClick={() => choose(option)}
          data-testid={`theme-${option}`}
        >
          <span aria-hidden="true">{labels[option].icon}</span>
        </button>
      ))}
    </fieldset>
  );
}
