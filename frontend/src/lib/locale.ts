const FALLBACK = 'en-IE'

/** The person's locale as the browser reports it, for numbers and dates; IE Bank's own when unknown. */
export function userLocale(): string {
  const preferred = typeof navigator === 'undefined' ? [] : [...(navigator.languages ?? []), navigator.language]
  for (const tag of preferred) {
    try {
      if (tag && Intl.NumberFormat.supportedLocalesOf(tag).length) return tag
    } catch {
      // A malformed language tag: try the next one.
    }
  }
  return FALLBACK
}
