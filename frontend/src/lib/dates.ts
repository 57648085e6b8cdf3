import { userLocale } from './locale'

const formatters = new Map<string, Intl.DateTimeFormat>()

/** A date and time in the person's locale. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  const locale = userLocale()
  let formatter = formatters.get(locale)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
    formatters.set(locale, formatter)
  }
  return formatter.format(date)
}
