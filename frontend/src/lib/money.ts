import { MAX_AMOUNT_CENTS } from '@/api/limits'
import { userLocale } from './locale'

// Money arrives as decimal strings ("12.50"); sums are done on integer minor units, never floats.
// People type a decimal point or, as in most of the bank's EU countries, a decimal comma ("25,50");
// no thousands separators, so "1,000" is refused (three decimals) rather than misread.
const AMOUNT = /^\d{1,13}([.,]\d{1,2})?$/

export function amountProblem(input: string): string | null {
  const value = input.trim()
  if (!value) return 'Enter an amount.'
  if (!AMOUNT.test(value)) return 'Enter an amount like 25, 25.50 or 25,50 (at most two decimals).'
  const cents = toCents(value.replace(',', '.'))
  if (cents <= 0n) return 'The amount must be more than zero.'
  if (cents > MAX_AMOUNT_CENTS) return `The amount can be at most ${formatNumber(fromCents(MAX_AMOUNT_CENTS))}.`
  return null
}

/** "12,5" or "12.5" → "12.50", the canonical form sent to the API. */
export function normalizeAmount(input: string): string {
  return fromCents(toCents(input.trim().replace(',', '.')))
}

export function toCents(amount: string): bigint {
  const negative = amount.startsWith('-')
  const [whole = '0', fraction = ''] = amount.replace(/^[-+]/, '').split('.')
  const cents = BigInt(whole || '0') * 100n + BigInt((fraction + '00').slice(0, 2))
  return negative ? -cents : cents
}

export function fromCents(cents: bigint): string {
  const negative = cents < 0n
  const abs = negative ? -cents : cents
  const text = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`
  return negative ? `-${text}` : text
}

/** Total balance per currency, in the order currencies first appear. */
export function totalsByCurrency(accounts: { currency: string; balance: string }[]): { currency: string; total: string }[] {
  const totals = new Map<string, bigint>()
  for (const account of accounts) totals.set(account.currency, (totals.get(account.currency) ?? 0n) + toCents(account.balance))
  return [...totals].map(([currency, cents]) => ({ currency, total: fromCents(cents) }))
}

const formatters = new Map<string, Intl.NumberFormat>()

function formatter(locale: string, currency: string | null): Intl.NumberFormat {
  const key = `${locale}|${currency ?? ''}`
  let found = formatters.get(key)
  if (!found) {
    found = currency
      ? new Intl.NumberFormat(locale, { style: 'currency', currency })
      : new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    formatters.set(key, found)
  }
  return found
}

/** An amount with its currency in the person's locale: "€1,234.50" in en-IE, "1.234,50 €" in de-DE. */
export function formatMoney(amount: string, currency: string): string {
  // A decimal string is formatted exactly (no float rounding) by Intl.NumberFormat.
  return formatter(userLocale(), currency).format(amount as unknown as number)
}

/** An amount without a currency, grouped in the person's locale. */
export function formatNumber(amount: string): string {
  return formatter(userLocale(), null).format(amount as unknown as number)
}
