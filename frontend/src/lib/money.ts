// Money arrives as decimal strings ("12.50"); sums are done on integer minor units, never floats.
const AMOUNT = /^\d{1,13}(\.\d{1,2})?$/
// The API's limit for one transfer or deposit.
const MAX_AMOUNT_CENTS = 100_000_000_000n

export function amountProblem(input: string): string | null {
  const value = input.trim()
  if (!value) return 'Enter an amount.'
  if (!AMOUNT.test(value)) return 'Enter an amount like 25 or 25.50 (at most two decimals).'
  if (toCents(value) <= 0n) return 'The amount must be more than zero.'
  if (toCents(value) > MAX_AMOUNT_CENTS) return 'The amount can be at most 1,000,000,000.00.'
  return null
}

/** "12.5" → "12.50", the canonical form sent to the API. */
export function normalizeAmount(input: string): string {
  return fromCents(toCents(input.trim()))
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

export function formatMoney(amount: string, currency: string): string {
  let formatter = formatters.get(currency)
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-IE', { style: 'currency', currency })
    formatters.set(currency, formatter)
  }
  // A decimal string is formatted exactly (no float rounding) by Intl.NumberFormat.
  return formatter.format(amount as unknown as number)
}
