import { userLocale } from './locale'

// Standing orders run on the bank's calendar (Europe/Dublin), whatever the browser's time zone.
export const BANK_TIME_ZONE = 'Europe/Dublin'

const isoDay = new Intl.DateTimeFormat('en-CA', { timeZone: BANK_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' })

/** Today in the bank's calendar, as the API writes dates ("2026-12-03"). */
export function bankToday(now: Date = new Date()): string {
  return isoDay.format(now)
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** A calendar date ("2027-01-31") in the person's locale, never shifted by their time zone. */
export function formatDay(iso: string): string {
  const [year, month, day] = iso.split('-').map(Number)
  if (!year || !month || !day) return iso
  const locale = userLocale()
  let formatter = formatters.get(locale)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' })
    formatters.set(locale, formatter)
  }
  return formatter.format(new Date(Date.UTC(year, month - 1, day)))
}
